namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// Scenarios that need a platform of their own, started with their own settings: every service in its own
/// process on RabbitMQ, against the sandbox cluster, driven over HTTP like a user.
/// </summary>
public sealed class DistributedPlatformTests(Broker broker) : IAsyncLifetime
{
    private DistributedPlatform? platform;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (platform is not null)
        {
            await platform.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_request_nobody_confirms_expires_and_changes_nothing()
    {
        platform = await DistributedPlatform.StartAsync(broker, new Dictionary<string, string>
        {
            ["Orchestrator__ConfirmationTimeout"] = "00:00:03",
            ["Orchestrator__SweepInterval"] = "00:00:00.250",
        });
        var before = await platform.ReadDeploymentAsync("production", "web");

        var id = await platform.SubmitAsync("scale web to 3 in production", "alice");
        var request = await platform.WaitForFinalStateAsync(id);

        request.GetProperty("state").GetString().ShouldBe("Expired", $"{request}\n{platform.Logs()}");
        request.GetProperty("outcome").GetString()!.ShouldStartWith("nobody confirmed it before");
        DistributedPlatform.Actions(request).ShouldBe(["Initial -> Parsing", "Parsing -> Validating", "Validating -> AwaitingConfirmation", "AwaitingConfirmation -> Expired"]);
        request.GetProperty("results").GetArrayLength().ShouldBe(0);
        (await platform.ConfirmAsync(id, "bob")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Conflict);
        var after = await platform.ReadDeploymentAsync("production", "web");
        after["metadata"]!["resourceVersion"]!.GetValue<string>().ShouldBe(before["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_request_whose_intent_service_is_down_fails_at_the_parse_deadline_with_what_to_do()
    {
        platform = await DistributedPlatform.StartAsync(broker, new Dictionary<string, string>
        {
            ["Orchestrator__ParseTimeout"] = "00:00:03",
            ["Orchestrator__SweepInterval"] = "00:00:00.250",
        });
        platform.Kill("intent");

        var id = await platform.SubmitAsync("scale api to 2 in dev", "alice");
        var request = await platform.WaitForFinalStateAsync(id);

        request.GetProperty("state").GetString().ShouldBe("Failed", $"{request}\n{platform.Logs()}");
        request.GetProperty("outcome").GetString().ShouldBe("the intent service did not parse the request within 00:00:03");
        request.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ShouldContain(r => r!.StartsWith("what to do: check that the intent service runs"));
        DistributedPlatform.Actions(request).ShouldBe(["Initial -> Parsing", "Parsing -> Failed"]);
    }
}
