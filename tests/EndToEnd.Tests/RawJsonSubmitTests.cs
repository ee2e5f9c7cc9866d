using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using K8sAgentPlatform.Contracts;

namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// Scenario 9: a system that is not MassTransit (rabbitmqadmin, a plain HTTP call to the RabbitMQ management API)
/// publishes a SubmitRequest as plain JSON on the documented exchange, and the request runs to completion.
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

    [Fact]
    public async Task A_request_published_as_plain_json_with_rabbitmqadmin_completes()
    {
        platform = await DistributedPlatform.StartAsync(broker);
        var id = Guid.NewGuid();
        var body = JsonSerializer.Serialize(new { requestId = id, text = "scale api to 2 in staging", principal = "ci-pipeline" });

        await RabbitMqAdminAsync("publish", $"exchange={Endpoints.SubmitRequestJson}", "routing_key=", $"payload={body}",
            """properties={"content_type":"application/json"}""");
        var request = await platform.WaitForFinalStateAsync(id.ToString());

        request.GetProperty("state").GetString().ShouldBe("Completed", $"{request}\n{platform.Logs()}");
        request.GetProperty("principal").GetString().ShouldBe("ci-pipeline");
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
        errors.ShouldHaveSingleItem().GetProperty("payload").GetString().ShouldBe("""{"requestId": "not closed""");
        var all = await platform.Api().GetFromJsonAsync<JsonElement[]>("/api/requests", Ct);
        all!.Select(r => r.GetProperty("id").GetString()).ShouldBe([id.ToString()]);
        platform["orchestrator"].Output.ShouldContain("must be a non-empty UUID");
        platform.AllRunning.ShouldBeTrue(platform.Logs());
    }

    /// <summary>POST /api/exchanges/{vhost}/{exchange}/publish: true when the broker routed it to a queue.</summary>
    private async Task<bool> PublishAsync(string payload)
    {
        using var http = broker.Management();
        var response = await http.PostAsJsonAsync(
            $"api/exchanges/{Uri.EscapeDataString(platform!.VirtualHost)}/{Endpoints.SubmitRequestJson}/publish",
            new { properties = new { content_type = "application/json" }, routing_key = "", payload, payload_encoding = "string" }, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("routed").GetBoolean();
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

    /// <summary>rabbitmqadmin as the management plugin serves it, run with python3: a publisher with no .NET in it.</summary>
    private async Task RabbitMqAdminAsync(params string[] arguments)
    {
        tools ??= Directory.CreateTempSubdirectory("k8s-agent-rabbitmqadmin-").FullName;
        var script = Path.Combine(tools, "rabbitmqadmin");
        using var http = broker.Management();
        if (!File.Exists(script))
        {
            await File.WriteAllBytesAsync(script, await http.GetByteArrayAsync("cli/rabbitmqadmin", Ct), Ct);
        }

        var management = broker.ManagementUrl!;
        var credentials = http.DefaultRequestHeaders.Authorization!.Parameter!;
        var (user, password) = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(credentials)).Split(':', 2) switch { var p => (p[0], p[1]) };
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
