namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>Restarting the shared broker disturbs every platform on it, so these tests run alone.</summary>
[CollectionDefinition(nameof(BrokerRestartTests), DisableParallelization = true)]
public sealed class BrokerRestartCollection;

/// <summary>The broker goes away and comes back while requests are in flight; the services reconnect by themselves.</summary>
[Collection(nameof(BrokerRestartTests))]
public sealed class BrokerRestartTests(Broker broker) : IAsyncLifetime
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
    public async Task A_broker_restart_mid_flight_loses_no_request_and_every_service_reconnects()
    {
        platform = await DistributedPlatform.StartAsync(broker);
        var waiting = await platform.SubmitAsync("scale web to 3 in production", "alice");
        await platform.WaitForStateAsync(waiting, "AwaitingConfirmation");
        var inFlight = new List<string>();
        foreach (var text in new[] { "scale api to 2 in dev", "scale web to 2 in dev", "scale api to 2 in staging", "restart web in staging" })
        {
            inFlight.Add(await platform.SubmitAsync(text, "alice"));
        }

        await broker.RestartAsync();
        await platform.WaitUntilAllReadyAsync(TimeSpan.FromSeconds(60));
        var confirmed = await platform.ConfirmAsync(waiting, "bob");

        confirmed.StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted, await confirmed.Content.ReadAsStringAsync());
        foreach (var id in inFlight.Append(waiting))
        {
            var request = await platform.WaitForFinalStateAsync(id);
            request.GetProperty("state").GetString().ShouldBe("Completed", $"{request}\n{platform.Logs()}");
        }

        platform.AllRunning.ShouldBeTrue(platform.Logs());
    }
}
