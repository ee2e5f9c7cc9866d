using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox;
using K8sAgentPlatform.TestSupport;

namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// The whole platform as five processes (intent, policy, executor, rollback, orchestrator with the API), and the
/// remediation service when a run gives remediation rules, on RabbitMQ, against a seeded sandbox cluster. Each platform gets its own RabbitMQ virtual host, so platforms
/// started by different tests never consume each other's messages, and in it one broker user per service with the permissions of
/// deploy/rabbitmq/permissions.json (plus one raw-JSON publisher), as a deployment has them.
/// </summary>
public sealed class DistributedPlatform : IAsyncDisposable
{
    /// <summary>Principals with their roles; alice and bob are both approvers so "not the requester" is what stops alice.</summary>
    public static readonly IReadOnlyDictionary<string, string> Principals = new Dictionary<string, string>
    {
        ["alice"] = "approver",
        ["bob"] = "approver",
        ["admin"] = "admin",
        ["viewer"] = "viewer",
    };

    public static IReadOnlySet<string> FinalStates => Contracts.RequestStates.Final;

    private readonly Dictionary<string, ServiceProcess> processes = [];
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> environments = [];
    private readonly Dictionary<string, HttpClient> clients = [];
    private readonly DirectoryInfo work;
    private readonly Broker broker;

    private IReadOnlyDictionary<string, string> brokerUrls = new Dictionary<string, string>();

    private DistributedPlatform(Broker broker, string virtualHost, SandboxServer sandbox, DirectoryInfo work)
    {
        this.broker = broker;
        VirtualHost = virtualHost;
        Sandbox = sandbox;
        this.work = work;
    }

    public SandboxServer Sandbox { get; }
    public string VirtualHost { get; }
    public Broker Broker => broker;
    public string WorkDirectory => work.FullName;
    public ServiceProcess this[string service] => processes[service];

    /// <summary>The broker URL of the platform's virtual host with the test's own (administrator) credentials.</summary>
    public string AdminBusUrl { get; private set; } = "";
    /// <summary>The AMQP URL of a role's own broker user in this platform's virtual host (a service, or <see cref="BrokerPermissions.Publisher"/>).</summary>
    public string BrokerUrl(string role) => brokerUrls[role];

    /// <summary>The broker user name of a role in this platform's virtual host.</summary>
    public string BrokerUser(string role) => RabbitMqVirtualHosts.UserName(VirtualHost, role);

    /// <summary>
    /// Starts the five services; <paramref name="settings"/> adds or overrides environment variables for all of them,
    /// <paramref name="podReadyDelay"/> sets how long the sandbox's pods take to become ready (a slow rollout).
    /// With <paramref name="remediationRules"/> (a rules file's YAML) the remediation service starts too.
    /// </summary>
    public static async Task<DistributedPlatform> StartAsync(Broker broker, IReadOnlyDictionary<string, string>? settings = null, TimeSpan? podReadyDelay = null,
        string? remediationRules = null)
    {
        broker.Require();
        var virtualHost = $"e2e-{Guid.NewGuid():N}";
        var url = await broker.CreateVirtualHostAsync(virtualHost);
        var sandbox = await SandboxServer.StartAsync(new SandboxOptions { Seed = "demo", PodReadyDelay = podReadyDelay ?? new SandboxOptions().PodReadyDelay });
        var platform = new DistributedPlatform(broker, virtualHost, sandbox, Directory.CreateTempSubdirectory("k8s-agent-e2e-"));
        try
        {
            platform.AdminBusUrl = url;
            platform.brokerUrls = await broker.CreateUsersAsync(virtualHost);
            var common = PlatformServices.Environment(url, sandbox.BaseUrl, platform.WorkDirectory, Principals);
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                common[key] = value;
            }

            foreach (var (name, _) in PlatformServices.All)
            {
                platform.environments[name] = PlatformServices.WithBrokerUser(common, platform.brokerUrls, name);
            }

            if (remediationRules is not null)
            {
                var rules = Path.Combine(platform.WorkDirectory, "remediation-rules.yaml");
                await File.WriteAllTextAsync(rules, remediationRules);
                platform.environments[PlatformServices.Remediation.Name] =
                    PlatformServices.RemediationEnvironment(PlatformServices.WithBrokerUser(common, platform.brokerUrls, PlatformServices.Remediation.Name), rules);
            }

            await Task.WhenAll(platform.environments.Keys.Select(platform.StartServiceAsync));
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    public static string TokenOf(string principal) => PlatformServices.TokenOf(principal);

    /// <summary>An API client authenticated as <paramref name="principal"/> (one of <see cref="Principals"/>).</summary>
    public HttpClient Api(string principal = "admin")
    {
        lock (clients)
        {
            if (!clients.TryGetValue(principal, out var client))
            {
                client = new HttpClient { BaseAddress = new Uri(processes["orchestrator"].Url) };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenOf(principal));
                clients[principal] = client;
            }

            return client;
        }
    }

    /// <summary>
    /// A client of the remediation service (started with rules): with <paramref name="token"/> as bearer token, by default
    /// the webhook's (<see cref="PlatformServices.WebhookToken"/>).
    /// </summary>
    public HttpClient Remediation(string token = PlatformServices.WebhookToken)
    {
        var client = new HttpClient { BaseAddress = new Uri(processes[PlatformServices.Remediation.Name].Url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Submits a plain-language request as <paramref name="principal"/>; returns the request id.</summary>
    public Task<string> SubmitAsync(string text, string principal = "admin") => PostRequestAsync(new { text }, principal);

    /// <summary>Submits an intent in its JSON form (snake_case, as a model or another system would send it); returns the request id.</summary>
    public Task<string> SubmitIntentAsync(object intent, string principal = "admin") => PostRequestAsync(new { intent }, principal);

    public Task<HttpResponseMessage> ConfirmAsync(string id, string principal) =>
        Api(principal).PostAsync($"/api/requests/{id}/confirm", content: null, TestContext.Current.CancellationToken);

    /// <summary>The object as the sandbox's API serves it, untyped, so nothing is lost to a client model.</summary>
    public async Task<JsonObject> ReadDeploymentAsync(string ns, string name)
    {
        using var http = new HttpClient { BaseAddress = new Uri(Sandbox.BaseUrl) };
        var json = await http.GetStringAsync($"/apis/apps/v1/namespaces/{ns}/deployments/{name}", TestContext.Current.CancellationToken);
        return JsonNode.Parse(json)!.AsObject();
    }

    /// <summary>The audit actions of a request's timeline, oldest first.</summary>
    public static IReadOnlyList<string> Actions(JsonElement request) =>
        request.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("action").GetString()!).ToList();

    /// <summary>Waits until every service answers /readyz with 200 again (e.g. after the broker came back).</summary>
    public async Task WaitUntilAllReadyAsync(TimeSpan timeout)
    {
        List<ServiceProcess> services;
        lock (processes)
        {
            services = [.. processes.Values];
        }

        await Task.WhenAll(services.Select(s => s.WaitUntilReadyAsync(timeout)));
    }

    public async Task<JsonElement> GetAsync(string id) =>
        await Api().GetFromJsonAsync<JsonElement>($"/api/requests/{id}", TestContext.Current.CancellationToken);

    /// <summary>Polls the request until its state is one of <paramref name="states"/>; fails with every service's log tail if it takes too long.</summary>
    public Task<JsonElement> WaitForStateAsync(string id, IReadOnlySet<string> states, TimeSpan? timeout = null) =>
        WaitForAsync(id, r => states.Contains(r.GetProperty("state").GetString()!), $"state {string.Join("|", states)}", timeout);

    public Task<JsonElement> WaitForStateAsync(string id, string state, TimeSpan? timeout = null) =>
        WaitForStateAsync(id, new HashSet<string> { state }, timeout);

    /// <summary>Polls the request until <paramref name="condition"/> holds; fails with every service's log tail if it takes too long.</summary>
    public async Task<JsonElement> WaitForAsync(string id, Func<JsonElement, bool> condition, string expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (true)
        {
            JsonElement request;
            try
            {
                request = await GetAsync(id);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // the orchestrator may be restarting
                await Task.Delay(200, TestContext.Current.CancellationToken);
                continue;
            }

            if (condition(request))
            {
                return request;
            }

            (DateTime.UtcNow < deadline).ShouldBeTrue($"request {id} is {request.GetProperty("state").GetString()}, expected {expected}:\n{request}\n{Logs()}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    public Task<JsonElement> WaitForFinalStateAsync(string id, TimeSpan? timeout = null) => WaitForStateAsync(id, FinalStates, timeout);

    /// <summary>Ends a service at once, as a crash would.</summary>
    public void Kill(string service) => processes[service].Kill();

    /// <summary>Starts a service again with the environment it had (after <see cref="Kill"/>).</summary>
    public async Task RestartAsync(string service)
    {
        if (processes.Remove(service, out var old))
        {
            await old.DisposeAsync();
        }

        await StartServiceAsync(service);
    }

    /// <summary>The tail of every service's output, for failure messages.</summary>
    public string Logs()
    {
        lock (processes)
        {
            return string.Join("\n", processes.Values.Select(s => $"== {s.Name}{(s.HasExited ? " (exited)" : "")}\n{Tail(s.Output)}"));
        }
    }

    public bool AllRunning
    {
        get
        {
            lock (processes)
            {
                return processes.Values.All(s => !s.HasExited);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }

        foreach (var service in processes.Values)
        {
            await service.DisposeAsync();
        }

        await Sandbox.DisposeAsync();
        await broker.DeleteVirtualHostAsync(VirtualHost);
        await broker.DeleteUsersAsync(VirtualHost);
        work.Delete(recursive: true);
    }

    private async Task<string> PostRequestAsync(object body, string principal)
    {
        var response = await Api(principal).PostAsJsonAsync("/api/requests", body, TestContext.Current.CancellationToken);
        response.IsSuccessStatusCode.ShouldBeTrue($"submit answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetString()!;
    }

    private async Task StartServiceAsync(string name)
    {
        var process = await ServiceProcess.StartAsync(name, PlatformServices.AssemblyOf(name), environments[name]);
        lock (processes)
        {
            processes[name] = process;
        }
    }

    // ASP.NET Core's per-request lines (the test's own polling) would push the services' own lines out of the tail.
    private static string Tail(string text)
    {
        var lines = string.Join("\n", text.Split('\n').Where(l => !l.Contains("\"Category\":\"Microsoft.AspNetCore.", StringComparison.Ordinal)));
        return lines.Length <= 4000 ? lines : lines[^4000..];
    }
}
