using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.TestSupport;

namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// Scenario 9: a system that is not MassTransit (rabbitmqadmin, a plain HTTP call to the RabbitMQ management API)
/// publishes a SubmitRequest as plain JSON on the documented exchange, as its own broker user with <c>user_id</c> set,
/// and the request runs to completion. The requester is that broker user; the body's principal is only "on behalf of".
/// </summary>
public sealed class RawJsonSubmitTests(Broker broker) : IAsyncLifetime
{
    private DistributedPlatform? platform;
    private string? tools;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (platform is not null)
        {
            await platform.DisposeAsync();
        }

        if (tools is not null)
        {
            Directory.Delete(tools, recursive: true);
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Publisher => platform!.BrokerUser(BrokerPermissions.Publisher);

    [Fact]
    public async Task A_request_published_as_plain_json_with_rabbitmqadmin_completes_as_the_broker_user_on_behalf_of_the_bodys_principal()
    {
        platform = await DistributedPlatform.StartAsync(broker);
        var id = Guid.NewGuid();
        var body = JsonSerializer.Serialize(new { requestId = id, text = "scale api to 2 in staging", principal = "ci-pipeline" });

        await RabbitMqAdminAsync("publish", $"exchange={Endpoints.SubmitRequestJson}", "routing_key=", $"payload={body}",
            $$"""properties={"content_type":"application/json","user_id":"{{Publisher}}"}""");
        var request = await platform.WaitForFinalStateAsync(id.ToString());

        request.GetProperty("state").GetString().ShouldBe("Completed", $"{request}\n{platform.Logs()}");
        request.GetProperty("principal").GetString().ShouldBe(Publisher);
        request.GetProperty("on_behalf_of").GetString().ShouldBe("ci-pipeline");
        request.GetProperty("timeline")[0].GetProperty("detail").GetString().ShouldBe("submitted from bus as text, on behalf of ci-pipeline");
        var deployment = await k8s.AppsV1OperationsExtensions.ReadNamespacedDeploymentAsync(platform.Sandbox.CreateClient().AppsV1,
            name: "api", namespaceParameter: "staging", cancellationToken: Ct);
        deployment.Spec.Replicas.ShouldBe(2);
    }

    [Fact]
    public async Task Malformed_json_lands_in_the_error_queue_an_empty_object_is_refused_and_neither_creates_a_request()
    {
        platform = await DistributedPlatform.StartAsync(broker);
        var id = Guid.NewGuid();

        (await PublishAsync("""{"requestId": "not closed""")).ShouldBeTrue();
        (await PublishAsync("{}")).ShouldBeTrue();
        (await PublishAsync(JsonSerializer.Serialize(new { requestId = id, text = "show the status of web in staging", principal = "portal" }))).ShouldBeTrue();
        var request = await platform.WaitForFinalStateAsync(id.ToString());
        var errors = await WaitForErrorQueueAsync();

        request.GetProperty("state").GetString().ShouldBe("Completed", $"{request}\n{platform.Logs()}");
        var error = errors.ShouldHaveSingleItem();
        error.GetProperty("payload").GetString().ShouldBe("""{"requestId": "not closed""");
        // moved with the publisher's user_id kept (the orchestrator's user may: see deploy/rabbitmq/permissions.json)
        error.GetProperty("properties").GetProperty("user_id").GetString().ShouldBe(Publisher);
        var all = await platform.Api().GetFromJsonAsync<JsonElement[]>("/api/requests", Ct);
        all!.Select(r => r.GetProperty("id").GetString()).ShouldBe([id.ToString()]);
        platform["orchestrator"].Output.ShouldContain("must be a non-empty UUID");
        platform.AllRunning.ShouldBeTrue(platform.Logs());
    }

    [Fact]
    public async Task Without_user_id_nothing_starts_another_users_user_id_is_refused_by_the_broker_and_platform_names_are_refused()
    {
        platform = await DistributedPlatform.StartAsync(broker);
        var anonymous = Guid.NewGuid();
        var forged = Guid.NewGuid();
        var platformName = Guid.NewGuid();
        var fine = Guid.NewGuid();

        (await PublishAsync(Body(anonymous, "restart web in staging", "bob"), userId: null)).ShouldBeTrue();
        var refused = await PublishResponseAsync(Body(forged, "restart web in staging", "bob"), userId: "alice");
        (await PublishAsync(Body(platformName, "restart web in staging", "alertmanager:web-down"))).ShouldBeTrue();
        (await PublishAsync(Body(fine, "show the status of web in staging", "bob"))).ShouldBeTrue();
        var request = await platform.WaitForFinalStateAsync(fine.ToString());

        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync(Ct)).ShouldContain($"user_id property set to 'alice' but authenticated user was '{Publisher}'");
        request.GetProperty("principal").GetString().ShouldBe(Publisher);
        var all = await platform.Api().GetFromJsonAsync<JsonElement[]>("/api/requests", Ct);
        all!.Select(r => r.GetProperty("id").GetString()).ShouldBe([fine.ToString()]);
        var refusals = platform["orchestrator"].Output.Split('\n').Where(l => l.Contains("Rejected a message", StringComparison.Ordinal)).ToList();
        refusals.ShouldContain(l => l.Contains("it has no user_id property", StringComparison.Ordinal));
        refusals.ShouldContain(l => l.Contains("alertmanager:web-down", StringComparison.Ordinal) && l.Contains("own names", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_critical_request_published_as_bob_cannot_be_confirmed_by_bob_but_by_another_approver()
    {
        platform = await DistributedPlatform.StartAsync(broker);
        var id = Guid.NewGuid();
        var intent = new
        {
            original_request = "update the api image in production to registry.k8s.io/example/api:1.4.3",
            operations = new[]
            {
                new
                {
                    operation_type = "update_image", resource_type = "deployment", resource_name = "api", @namespace = "production",
                    parameters = new { container_name = "api", image = "registry.k8s.io/example/api", tag = "1.4.3" },
                    reason = "roll out the 1.4.3 release of api", requires_confirmation = true,
                },
            },
            estimated_risk_level = "critical",
            summary = "update the api image in production to 1.4.3",
        };

        (await PublishAsync(JsonSerializer.Serialize(new { requestId = id, intent, principal = "bob" }))).ShouldBeTrue();
        var waiting = await platform.WaitForStateAsync(id.ToString(), "AwaitingConfirmation");
        var byBob = await platform.ConfirmAsync(id.ToString(), "bob");
        var afterBob = await platform.GetAsync(id.ToString());
        var byAlice = await platform.ConfirmAsync(id.ToString(), "alice");
        var done = await platform.WaitForFinalStateAsync(id.ToString());

        waiting.GetProperty("verdicts")[0].GetProperty("policy_risk_level").GetString().ShouldBe("critical", waiting.ToString());
        waiting.GetProperty("principal").GetString().ShouldBe(Publisher);
        waiting.GetProperty("on_behalf_of").GetString().ShouldBe("bob");
        byBob.StatusCode.ShouldBe(HttpStatusCode.Forbidden, await byBob.Content.ReadAsStringAsync(Ct));
        (await byBob.Content.ReadAsStringAsync(Ct)).ShouldContain($"submitted by {Publisher} on behalf of bob");
        afterBob.GetProperty("state").GetString().ShouldBe("AwaitingConfirmation", afterBob.ToString());
        byAlice.StatusCode.ShouldBe(HttpStatusCode.Accepted, await byAlice.Content.ReadAsStringAsync(Ct));
        done.GetProperty("state").GetString().ShouldBe("Completed", $"{done}\n{platform.Logs()}");
        done.GetProperty("confirmed_by").EnumerateArray().Select(p => p.GetString()).ShouldBe(["alice"]);
    }

    private static string Body(Guid id, string text, string principal) => JsonSerializer.Serialize(new { requestId = id, text, principal });

    /// <summary>
    /// POST /api/exchanges/{vhost}/{exchange}/publish as the platform's raw-JSON publisher, with <c>user_id</c> set to
    /// <paramref name="userId"/> (by default its own name, as README asks): true when the broker routed it to a queue.
    /// </summary>
    private async Task<bool> PublishAsync(string payload, string? userId = "")
    {
        var response = await PublishResponseAsync(payload, userId);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("routed").GetBoolean();
    }

    private async Task<HttpResponseMessage> PublishResponseAsync(string payload, string? userId = "")
    {
        using var http = PublisherManagement();
        var properties = new Dictionary<string, string> { ["content_type"] = "application/json" };
        if (userId is not null)
        {
            properties["user_id"] = userId.Length == 0 ? Publisher : userId;
        }

        return await http.PostAsJsonAsync(
            $"api/exchanges/{Uri.EscapeDataString(platform!.VirtualHost)}/{Endpoints.SubmitRequestJson}/publish",
            new { properties, routing_key = "", payload, payload_encoding = "string" }, Ct);
    }

    /// <summary>The management API as the publisher's broker user (its table row gives it the management tag and write on submit-request-json only).</summary>
    private HttpClient PublisherManagement()
    {
        var (user, password) = PublisherCredentials();
        var http = new HttpClient { BaseAddress = broker.ManagementUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return http;
    }

    private (string User, string Password) PublisherCredentials()
    {
        var info = new Uri(platform!.BrokerUrl(BrokerPermissions.Publisher)).UserInfo.Split(':', 2);
        return (Uri.UnescapeDataString(info[0]), Uri.UnescapeDataString(info[1]));
    }

    /// <summary>The messages in submit-request-json_error once there is one (peeked, left in the queue).</summary>
    private async Task<JsonElement[]> WaitForErrorQueueAsync()
    {
        using var http = broker.Management();
        var queue = $"api/queues/{Uri.EscapeDataString(platform!.VirtualHost)}/{Endpoints.SubmitRequestJson}_error/get";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var response = await http.PostAsJsonAsync(queue, new { count = 10, ackmode = "ack_requeue_true", encoding = "auto" }, Ct);
            if (response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<JsonElement[]>(Ct) is { Length: > 0 } messages)
            {
                return messages;
            }

            (DateTime.UtcNow < deadline).ShouldBeTrue($"nothing reached {Endpoints.SubmitRequestJson}_error\n{platform.Logs()}");
            await Task.Delay(250, Ct);
        }
    }

    /// <summary>rabbitmqadmin as the management plugin serves it, run with python3 as the publisher's broker user: a publisher with no .NET in it.</summary>
    private async Task RabbitMqAdminAsync(params string[] arguments)
    {
        tools ??= Directory.CreateTempSubdirectory("k8s-agent-rabbitmqadmin-").FullName;
        var script = Path.Combine(tools, "rabbitmqadmin");
        if (!File.Exists(script))
        {
            using var http = broker.Management();
            await File.WriteAllBytesAsync(script, await http.GetByteArrayAsync("cli/rabbitmqadmin", Ct), Ct);
        }

        var management = broker.ManagementUrl!;
        var (user, password) = PublisherCredentials();
        var start = new ProcessStartInfo("python3", [script, "-H", management.Host, "-P", management.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-u", user, "-p", password, "-V", platform!.VirtualHost, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        process.ExitCode.ShouldBe(0, $"rabbitmqadmin {string.Join(' ', arguments)}: {await output}{await error}");
        (await output).ShouldContain("Message published");
    }
}
