using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using K8sAgentPlatform.Cli.Commands;
using K8sAgentPlatform.Cli.Embedded;
using K8sAgentPlatform.KubeSandbox;
using K8sAgentPlatform.WebApi.Auth;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Api.Tests;

/// <summary>
/// <c>k8s-agent serve</c>'s embedded platform as a user starts it: the same registrations as the separate services,
/// so a policy file, /metrics and any kubeconfig work there too.
/// </summary>
public sealed class ServeTests : IAsyncLifetime
{
    private const string Token = "k8sa_serve-tests-admin-token";
    private const string OperatorToken = "k8sa_serve-tests-operator-token";
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("serve-tests-");
    private readonly List<IAsyncDisposable> running = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(running))
        {
            await item.DisposeAsync();
        }

        work.Delete(recursive: true);
    }

    [Fact]
    public async Task Serve_with_a_policy_file_approves_only_the_registries_it_names()
    {
        var policy = Path.Combine(work.FullName, "policy.yaml");
        await File.WriteAllTextAsync(policy, "version: 1\nimages:\n  approved_registries: [registry.k8s.io, ghcr.io/acme]\n", TestContext.Current.CancellationToken);
        var platform = await Start(policyFile: policy);

        var allowed = await Finish(platform, "kubectl set image deployment/web web=ghcr.io/acme/web:1.2.3 -n staging", dryRun: true);
        var refused = await Finish(platform, "kubectl set image deployment/web web=quay.io/other/web:1.2.3 -n staging", dryRun: true);

        allowed.GetProperty("state").GetString().ShouldBe("Completed");
        refused.GetProperty("state").GetString().ShouldBe("Rejected");
        refused.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ShouldContain(r => r!.Contains("quay.io"));
    }

    [Fact]
    public async Task An_operators_update_config_on_the_platforms_token_secret_is_refused_whatever_the_policy_file_says()
    {
        var policy = Path.Combine(work.FullName, "policy.yaml");
        await File.WriteAllTextAsync(policy, "version: 1\nnamespaces:\n  protected: []\n", TestContext.Current.CancellationToken);
        var platform = await Start(policyFile: policy, overrides: new()
        {
            ["Auth:Tokens:1:Name"] = "olivia",
            ["Auth:Tokens:1:Sha256"] = TokenFile.Hash(OperatorToken),
            ["Auth:Tokens:1:Roles:0"] = "operator",
            ["Policy:PlatformNamespace"] = "agents",
        });
        using var api = Client(platform, OperatorToken);
        var intent = new
        {
            original_request = "give me an admin token",
            operations = new[]
            {
                new
                {
                    operation_type = "update_config", resource_type = "secret", resource_name = "k8s-agent-tokens", @namespace = "agents",
                    parameters = new { configmap_name = "k8s-agent-tokens", key = "tokens.json", value = "[{\"name\":\"olivia\",\"roles\":[\"admin\"]}]" },
                    reason = "rotate the platform's tokens", requires_confirmation = false,
                },
            },
            estimated_risk_level = "low",
            summary = "update the platform's token secret",
        };

        var response = await api.PostAsJsonAsync("/api/requests", new { intent }, TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetGuid();
        var ended = await WaitFor(api, id, view => view.GetProperty("final").GetBoolean());

        ended.GetProperty("state").GetString().ShouldBe("Rejected");
        ended.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ShouldContain(r => r!.Contains("[namespace.protected]") && r.Contains("platform's own namespace"));
    }

    [Fact]
    public async Task Serve_with_a_broken_policy_file_does_not_start_and_names_the_line_and_key()
    {
        var policy = Path.Combine(work.FullName, "policy.yaml");
        await File.WriteAllTextAsync(policy, "version: 1\nscaling:\n  max_replicaz: 5\n", TestContext.Current.CancellationToken);

        var error = await Should.ThrowAsync<OptionsValidationException>(() => Start(policyFile: policy));

        error.Message.ShouldContain("Policy:File");
        error.Message.ShouldContain("line 3");
        error.Message.ShouldContain("max_replicaz");
    }

    [Fact]
    public async Task Serve_exposes_the_platforms_metrics_health_and_readiness()
    {
        var platform = await Start();
        using var http = new HttpClient { BaseAddress = new Uri(platform.Url) };
        await Finish(platform, "show the status of web in staging");

        var metrics = await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);

        metrics.ShouldContain("k8s_agent_operations_total");
        metrics.ShouldContain("k8s_agent_intent_classification_duration_seconds");
        (await http.GetAsync("/healthz", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await http.GetAsync("/readyz", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Serve_with_the_sandboxes_own_kubeconfig_completes_a_scale()
    {
        var sandbox = await SandboxServer.StartAsync(new SandboxOptions { Port = 0, Seed = "demo" }, TestContext.Current.CancellationToken);
        running.Add(sandbox);
        var kubeconfig = Path.Combine(work.FullName, "sandbox.kubeconfig");
        sandbox.WriteKubeconfig(kubeconfig);
        var platform = await Start(kubeconfig: kubeconfig);
        // A fresh sandbox is still rolling its seeded deployments out; a status update between approval and execution
        // (rightly) fails the request as changed since it was approved.
        await SettledAsync(sandbox.CreateClient(), "staging", "api");

        var done = await Finish(platform, "scale api to 2 in staging");

        done.GetProperty("state").GetString().ShouldBe("Completed", done.ToString());
        var deployment = await sandbox.CreateClient().AppsV1.ReadNamespacedDeploymentAsync("api", "staging", cancellationToken: TestContext.Current.CancellationToken);
        deployment.Spec.Replicas.ShouldBe(2);
    }

    [Fact]
    public async Task Serve_against_an_unreachable_cluster_does_not_start_and_says_where_it_looked()
    {
        var kubeconfig = Path.Combine(work.FullName, "gone.kubeconfig");
        var port = FreePort();
        await File.WriteAllLinesAsync(kubeconfig,
        [
            "apiVersion: v1", "kind: Config",
            "clusters:", "- name: c", "  cluster:", $"    server: http://127.0.0.1:{port}",
            "users:", "- name: u", "  user: {}",
            "contexts:", "- name: x", "  context:", "    cluster: c", "    user: u",
            "current-context: x",
        ], TestContext.Current.CancellationToken);

        var error = await Should.ThrowAsync<K8sAgentPlatform.Hosting.PlatformStartException>(() =>
            Start(kubeconfig: kubeconfig, overrides: new() { ["Kubernetes:Retry:MaxAttempts"] = "1" }));

        error.Message.ShouldStartWith("cannot reach the cluster at http://127.0.0.1:");
        error.Message.ShouldContain(kubeconfig);
    }

    [Fact]
    public async Task A_scale_whose_cluster_disappears_mid_way_ends_in_a_final_state_with_the_reason()
    {
        // Pods that take long to become ready keep the executor verifying while the cluster goes away.
        var sandbox = await SandboxServer.StartAsync(new SandboxOptions { Port = 0, Seed = "demo", PodReadyDelay = TimeSpan.FromMinutes(5) },
            TestContext.Current.CancellationToken);
        var kubeconfig = Path.Combine(work.FullName, "sandbox.kubeconfig");
        sandbox.WriteKubeconfig(kubeconfig);
        var platform = await Start(kubeconfig: kubeconfig, overrides: new()
        {
            ["Kubernetes:Retry:MaxAttempts"] = "1",
            ["Orchestrator:ExecuteTimeout"] = "00:00:05",
            ["Orchestrator:CompensateTimeout"] = "00:00:05",
            ["Orchestrator:SweepInterval"] = "00:00:00.200",
        });
        using var api = Client(platform);
        var id = await Submit(api, "scale api to 2 in staging", dryRun: false);
        await WaitFor(api, id, view => view.GetProperty("state").GetString() == "Executing");

        await sandbox.DisposeAsync();

        var ended = await WaitFor(api, id, view => view.GetProperty("final").GetBoolean());
        ended.GetProperty("state").GetString().ShouldBeOneOf("Failed", "RolledBack", "CompensationFailed");
        ended.GetProperty("outcome").GetString().ShouldNotBeNullOrWhiteSpace();
        ended.GetProperty("outcome").GetString()!.ShouldContain("operation 0");
    }

    [Fact]
    public async Task An_emergency_stop_holds_a_restart_and_the_resume_lets_it_complete()
    {
        var platform = await Start();
        using var api = Client(platform);
        var before = await api.GetFromJsonAsync<JsonElement>("/api/status", TestContext.Current.CancellationToken);
        before.GetProperty("emergency_stop").GetProperty("stopped").GetBoolean().ShouldBeFalse();

        // A fresh sandbox is still rolling its seeded deployments out; a status update while the request is held would
        // (rightly) count as a change since approval and ask for confirmation again.
        await SettledAsync(platform.CreateSandboxClient()!, "staging", "web");

        var stopped = await api.PostAsJsonAsync("/api/emergency-stop", new { reason = "incident 7" }, TestContext.Current.CancellationToken);
        stopped.StatusCode.ShouldBe(HttpStatusCode.OK);
        var id = await Submit(api, "restart web in staging", dryRun: false);
        await WaitFor(api, id, view => view.GetProperty("timeline").EnumerateArray().Any(e => e.GetProperty("action").GetString() == "held"));
        var status = await api.GetFromJsonAsync<JsonElement>("/api/status", TestContext.Current.CancellationToken);
        status.GetProperty("emergency_stop").GetProperty("stopped").GetBoolean().ShouldBeTrue();
        status.GetProperty("emergency_stop").GetProperty("reason").GetString().ShouldBe("incident 7");
        status.GetProperty("held_requests").GetInt32().ShouldBe(1);
        using var http = new HttpClient { BaseAddress = new Uri(platform.Url) };
        (await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken)).ShouldContain("k8s_agent_emergency_stop 1");

        (await api.PostAsync("/api/emergency-stop/resume", null, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var done = await WaitFor(api, id, view => view.GetProperty("final").GetBoolean());
        done.GetProperty("state").GetString().ShouldBe("Completed");
        var audit = await api.GetFromJsonAsync<JsonElement>("/api/audit", TestContext.Current.CancellationToken);
        audit.EnumerateArray().Select(e => e.GetProperty("action").GetString()).ShouldContain("emergency-stop");
        audit.EnumerateArray().Select(e => e.GetProperty("action").GetString()).ShouldContain("emergency-stop-lifted");
    }

    [Fact]
    public async Task A_production_rollback_by_the_requester_waits_for_the_approver_restores_after_their_confirm_and_is_audited_with_its_snapshot()
    {
        // Only what `serve` gives a new user: the client config it writes, with its admin (the default) and approver tokens.
        var platform = await Start();
        var cluster = platform.CreateSandboxClient()!;
        using var api = Client(platform);
        await SettledAsync(cluster, "production", "web");
        var before = (await cluster.AppsV1.ReadNamespacedDeploymentAsync("web", "production", cancellationToken: TestContext.Current.CancellationToken)).Spec.Replicas;
        before.ShouldBe(2);

        // 1. A production scale needs confirmation but not a second person (medium risk), so --yes confirms it with the admin token.
        var (askExit, asked, askError) = await Cli(platform, "ask", "--yes", "--json", "scale web to 3 in production");
        askExit.ShouldBe(0, askError);
        var scale = JsonDocument.Parse(asked).RootElement;
        scale.GetProperty("state").GetString().ShouldBe("Completed");
        scale.GetProperty("principal").GetString().ShouldBe("admin");
        scale.GetProperty("confirmed_by").EnumerateArray().Select(e => e.GetString()).ShouldBe(["admin"]);
        var scaleId = scale.GetProperty("id").GetGuid();
        (await cluster.AppsV1.ReadNamespacedDeploymentAsync("web", "production", cancellationToken: TestContext.Current.CancellationToken)).Spec.Replicas.ShouldBe(3);

        // 2. Its snapshot, as `k8s-agent snapshots` lists it.
        var (listExit, listed, listError) = await Cli(platform, "snapshots", "--request", scaleId.ToString(), "--json");
        listExit.ShouldBe(0, listError);
        var snapshot = JsonDocument.Parse(listed).RootElement.EnumerateArray().ShouldHaveSingleItem();
        (snapshot.GetProperty("kind").GetString(), snapshot.GetProperty("namespace").GetString(), snapshot.GetProperty("name").GetString()).ShouldBe(("Deployment", "production", "web"));
        snapshot.GetProperty("consumed").GetBoolean().ShouldBeFalse();
        var snapshotId = snapshot.GetProperty("id").GetString()!;

        // The scaled deployment must be done rolling out: a status update during the wait would (rightly) move its
        // resourceVersion and ask for confirmation again.
        await SettledAsync(cluster, "production", "web");

        // The requester rolls back with --yes: the CLI tries the default (admin) token, is refused by four-eyes, and must
        // not fall back to the approver token in the same file; it waits.
        var output = new StringWriter();
        var error = new StringWriter();
        var synchronizedOutput = TextWriter.Synchronized(output);
        var synchronizedError = TextWriter.Synchronized(error);
        var rolling = Cli(platform, synchronizedOutput, synchronizedError, "rollback", "--snapshot", snapshotId, "--yes", "--json");
        string Progress()
        {
            lock (synchronizedError)
            {
                return error.ToString();
            }
        }

        await Until(() => Progress().Contains("Waiting for a second person", StringComparison.Ordinal) || rolling.IsCompleted,
            () => $"the rollback did not wait for a second person:\n{Progress()}");
        rolling.IsCompleted.ShouldBeFalse(Progress());
        var submitted = System.Text.RegularExpressions.Regex.Match(Progress(), @"Rollback request ([0-9a-f-]{36}) submitted \(snapshot (\S+)\)\.");
        submitted.Success.ShouldBeTrue(Progress());
        submitted.Groups[2].Value.ShouldBe(snapshotId);
        var rollbackId = Guid.Parse(submitted.Groups[1].Value);
        Progress().ShouldContain($"Could not confirm: A second person must confirm: Request {rollbackId} needs a second person");
        Progress().ShouldContain("Waiting for a second person: anyone with the approver role but admin.");
        Progress().ShouldNotContain(".. Waiting");

        var waiting = await WaitFor(api, rollbackId, view => view.GetProperty("final").GetBoolean() || view.GetProperty("state").GetString() == "AwaitingConfirmation");
        waiting.GetProperty("state").GetString().ShouldBe("AwaitingConfirmation");
        waiting.GetProperty("principal").GetString().ShouldBe("admin");
        waiting.GetProperty("requires_second_person").GetBoolean().ShouldBeTrue();
        waiting.GetProperty("may_confirm").GetString().ShouldBe("anyone with the approver role but admin");
        waiting.GetProperty("confirmed_by").GetArrayLength().ShouldBe(0);
        var verdict = waiting.GetProperty("verdicts").EnumerateArray().ShouldHaveSingleItem();
        verdict.GetProperty("policy_risk_level").GetString().ShouldBe("high");
        (await cluster.AppsV1.ReadNamespacedDeploymentAsync("web", "production", cancellationToken: TestContext.Current.CancellationToken)).Spec.Replicas.ShouldBe(3);

        // The requester's own `confirm` is refused the same way (admin holds the approver role; four-eyes is what stops it).
        var (ownExit, _, ownError) = await Cli(platform, "confirm", rollbackId.ToString());
        ownExit.ShouldBe(2);
        ownError.ShouldStartWith($"k8s-agent confirm: A second person must confirm: Request {rollbackId} needs a second person");
        var stillWaiting = await api.GetFromJsonAsync<JsonElement>($"/api/requests/{rollbackId}", TestContext.Current.CancellationToken);
        stillWaiting.GetProperty("state").GetString().ShouldBe("AwaitingConfirmation");
        stillWaiting.GetProperty("confirmed_by").GetArrayLength().ShouldBe(0);

        // 3. The approver confirms; the waiting `rollback` follows the request to Completed and the replicas are back.
        var (confirmExit, confirmed, confirmError) = await Cli(platform, "confirm", rollbackId.ToString(), "--as", "approver");
        confirmExit.ShouldBe(0, confirmError);
        confirmed.ShouldContain($"{rollbackId}: confirmation sent");
        (await rolling.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken)).ShouldBe(0, Progress());
        string printed;
        lock (synchronizedOutput)
        {
            printed = output.ToString();
        }

        var rolledBack = JsonDocument.Parse(printed).RootElement;
        rolledBack.GetProperty("id").GetGuid().ShouldBe(rollbackId);
        rolledBack.GetProperty("state").GetString().ShouldBe("Completed");
        rolledBack.GetProperty("confirmed_by").EnumerateArray().Select(e => e.GetString()).ShouldBe(["approver"]);
        (await cluster.AppsV1.ReadNamespacedDeploymentAsync("web", "production", cancellationToken: TestContext.Current.CancellationToken)).Spec.Replicas.ShouldBe(before);
        var (_, relisted, _) = await Cli(platform, "snapshots", "--request", scaleId.ToString(), "--json");
        JsonDocument.Parse(relisted).RootElement.EnumerateArray().ShouldHaveSingleItem().GetProperty("consumed").GetBoolean().ShouldBeTrue();

        // 4. The audit log of the rollback request names the snapshot, the refused confirmations and the approver's.
        var (auditExit, audited, auditError) = await Cli(platform, "audit", "--request", rollbackId.ToString(), "--json");
        auditExit.ShouldBe(0, auditError);
        var entries = JsonDocument.Parse(audited).RootElement.EnumerateArray()
            .Select(e => (Action: e.GetProperty("action").GetString()!, Principal: e.GetProperty("principal").GetString()!, Detail: e.GetProperty("detail").GetString() ?? ""))
            .ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", entries));
        entries.Where(e => e.Detail.Contains(snapshotId, StringComparison.Ordinal)).Select(e => e.Action).ShouldBe(["Parsing -> Validating", "operation-executed"]);
        entries.Single(e => e.Action == "operation-executed").Detail.ShouldEndWith($"; it restored snapshot {snapshotId}");
        entries.Count(e => e.Action == "denied" && e.Principal == "admin" && e.Detail.Contains("second person", StringComparison.Ordinal)).ShouldBe(2);
        entries.ShouldContain(e => e.Action == "confirmed" && e.Principal == "approver");
        entries.ShouldContain(e => e.Action == "Executing -> Completed");
    }

    [Fact]
    public async Task Ask_on_a_terminal_shows_the_rollouts_ready_and_desired_replicas_in_its_status_line()
    {
        var platform = await Start();
        await SettledAsync(platform.CreateSandboxClient()!, "staging", "api");
        var terminal = new ScriptedTerminal();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));

        var exit = await new RootCommand { AskCommand.Create(_ => terminal) }.Parse(["ask", "scale api to 2 in staging", "--config", platform.ClientConfigPath])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = new StringWriter() }, timeout.Token);

        TestContext.Current.TestOutputHelper?.WriteLine(terminal.Output);
        exit.ShouldBe(0, terminal.Output);
        terminal.Output.ShouldContain("Completed · 1 of 1 operations done · operation 0: ready 2/2");
    }

    private static async Task SettledAsync(IKubernetes cluster, string ns, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var deployment = await cluster.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: TestContext.Current.CancellationToken);
            if (deployment.Status?.ReadyReplicas == deployment.Spec.Replicas && deployment.Status?.UpdatedReplicas == deployment.Spec.Replicas
                && deployment.Status?.ObservedGeneration == deployment.Metadata.Generation)
            {
                return;
            }

            (DateTime.UtcNow < deadline).ShouldBeTrue($"{ns}/{name} did not settle");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private async Task<EmbeddedPlatform> Start(string? policyFile = null, string? kubeconfig = null, Dictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Tokens:0:Name"] = "root",
            ["Auth:Tokens:0:Sha256"] = TokenFile.Hash(Token),
            ["Auth:Tokens:0:Roles:0"] = "admin",
        };
        foreach (var (key, value) in overrides ?? [])
        {
            settings[key] = value;
        }

        var data = work.CreateSubdirectory(Guid.NewGuid().ToString("N"));
        var platform = await EmbeddedPlatform.StartAsync(new EmbeddedSettings(0, kubeconfig, "demo", data.FullName,
            Path.Combine(data.FullName, "client.json"), settings, policyFile), TestContext.Current.CancellationToken);
        running.Add(platform);
        return platform;
    }

    private static HttpClient Client(EmbeddedPlatform platform, string token = Token)
    {
        var client = new HttpClient { BaseAddress = new Uri(platform.Url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<JsonElement> Finish(EmbeddedPlatform platform, string text, bool dryRun = false)
    {
        using var api = Client(platform);
        var id = await Submit(api, text, dryRun);
        return await WaitFor(api, id, view => view.GetProperty("final").GetBoolean());
    }

    private static async Task<Guid> Submit(HttpClient api, string text, bool dryRun)
    {
        var response = await api.PostAsJsonAsync("/api/requests", new { text, dry_run = dryRun }, TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetGuid();
    }

    /// <summary>`k8s-agent ARGS` in-process, with the client config <c>serve</c> wrote (as a user on that machine would find it).</summary>
    private static async Task<(int Exit, string Output, string Error)> Cli(EmbeddedPlatform platform, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await Cli(platform, output, error, args);
        return (exit, output.ToString(), error.ToString());
    }

    private static Task<int> Cli(EmbeddedPlatform platform, TextWriter output, TextWriter error, params string[] args)
    {
        var root = new RootCommand
        {
            AskCommand.Create(), RollbackCommand.Create(), DecisionCommands.Confirm(), SnapshotsCommand.Create(), AuditCommand.Create(),
        };
        return root.Parse([.. args, "--config", platform.ClientConfigPath])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
    }

    private static Task Until(Func<bool> condition, Func<string> otherwise) => ApiHost.WaitUntil(condition, otherwise, TimeSpan.FromSeconds(60));

    private static async Task<JsonElement> WaitFor(HttpClient api, Guid id, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement view = default;
        while (DateTime.UtcNow < deadline)
        {
            view = await api.GetFromJsonAsync<JsonElement>($"/api/requests/{id}", TestContext.Current.CancellationToken);
            if (condition(view))
            {
                return view;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"request {id} did not get there within 60 s; last seen: {view}");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
