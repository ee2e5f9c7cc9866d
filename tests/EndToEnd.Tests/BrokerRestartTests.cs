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
        // With the executor down, its commands are certainly sitting in its durable queue while the broker restarts.
        platform.Kill("executor");
        var queued = new List<string>();
        foreach (var text in new[] { "scale api to 2 in dev", "scale web to 2 in dev" })
        {
            queued.Add(await platform.SubmitAsync(text, "alice"));
        }

        foreach (var id in queued)
        {
            await platform.WaitForStateAsync(id, "Executing");
        }

        // These are wherever the restart catches them.
        var moving = new List<string>();
        foreach (var text in new[] { "scale api to 2 in staging", "restart web in staging" })
        {
            moving.Add(await platform.SubmitAsync(text, "alice"));
        }

        // The management API lists connections from statistics it collects every few seconds (slower on a broker
        // that was just installed), so wait until it lists the four running services rather than reading it once.
        var before = await ConnectionsAsync(atLeast: 4, TimeSpan.FromSeconds(60));
        await broker.RestartAsync();
        await platform.RestartAsync("executor");
        await platform.WaitUntilAllReadyAsync(TimeSpan.FromSeconds(60));

        await ReconnectedAsync(before, TimeSpan.FromSeconds(30));
        var confirmed = await platform.ConfirmAsync(waiting, "bob");

        confirmed.StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted, await confirmed.Content.ReadAsStringAsync());
        foreach (var id in queued.Concat(moving).Append(waiting))
        {
            var request = await platform.WaitForFinalStateAsync(id);
            request.GetProperty("state").GetString().ShouldBe("Completed", $"{request}\n{platform.Logs()}");
        }

        platform.AllRunning.ShouldBeTrue(platform.Logs());
    }

    /// <summary>The connections of the platform's virtual host, once the management API lists at least <paramref name="atLeast"/>.</summary>
    private async Task<IReadOnlySet<string>> ConnectionsAsync(int atLeast, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var connections = await broker.ConnectionsAsync(platform!.VirtualHost);
            if (connections.Count >= atLeast)
            {
                return connections;
            }

            (DateTime.UtcNow < deadline).ShouldBeTrue($"the management API lists {connections.Count} connection(s), expected at least {atLeast} (the running services)\n{platform.Logs()}");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Waits until all five services hold connections opened after the restart and none from before it is left
    /// (the management API lists connections from statistics it collects every few seconds).
    /// </summary>
    private async Task ReconnectedAsync(IReadOnlySet<string> before, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var now = await broker.ConnectionsAsync(platform!.VirtualHost);
            if (now.Count >= 5 && !now.Overlaps(before))
            {
                return;
            }

            (DateTime.UtcNow < deadline).ShouldBeTrue($"connections before the restart: {string.Join(", ", before)}; now: {string.Join(", ", now)}\n{platform.Logs()}");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }
}
