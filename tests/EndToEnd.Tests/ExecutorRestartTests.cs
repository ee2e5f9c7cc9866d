using System.Net.Http.Json;
using System.Text.Json;

namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// Scenario 7: the executor process is killed in the middle of a request and started again. RabbitMQ hands the
/// unacknowledged ExecuteOperation to the new process, whose execution records say the change was already applied:
/// it verifies instead of applying again, and the request still completes.
/// </summary>
public sealed class ExecutorRestartTests(Broker broker) : IAsyncLifetime
{
    /// <summary>
    /// Pods of the new replicas take this long to become ready, so the executor is still verifying the rollout
    /// (and has published nothing) when it is killed right after its change reached the cluster.
    /// </summary>
    private static readonly TimeSpan SlowRollout = TimeSpan.FromSeconds(15);

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
    public async Task An_executor_killed_while_verifying_a_scale_is_restarted_and_the_request_completes_with_the_change_applied_once()
    {
        platform = await DistributedPlatform.StartAsync(broker, podReadyDelay: SlowRollout);
        var ct = TestContext.Current.CancellationToken;

        var id = await platform.SubmitAsync("scale web to 2 in staging", "alice");
        await WaitUntilAsync(async () =>
        {
            var now = await platform.GetAsync(id);
            DistributedPlatform.FinalStates.Contains(now.GetProperty("state").GetString()!).ShouldBeFalse($"the request ended before the executor applied anything: {now}");
            return ScalesApplied() == 1;
        }, "the executor's scale of staging/web reached the sandbox");
        var executing = await platform.GetAsync(id);
        platform.Kill("executor");
        var snapshotsAtKill = await SnapshotsAsync(id);
        await platform.RestartAsync("executor");
        var request = await platform.WaitForFinalStateAsync(id);

        executing.GetProperty("state").GetString().ShouldBe("Executing", executing.ToString());
        snapshotsAtKill.ShouldHaveSingleItem();
        request.GetProperty("state").GetString().ShouldBe("Completed", $"{request}\n{platform.Logs()}");
        ScalesApplied().ShouldBe(1, "the restarted executor must not scale again");
        platform.Sandbox.Writes.To("deployments", "staging", "web").Where(w => w.Applied).ShouldHaveSingleItem();
        (await SnapshotsAsync(id)).ShouldHaveSingleItem().GetProperty("id").GetString().ShouldBe(snapshotsAtKill[0].GetProperty("id").GetString());
        var deployment = await k8s.AppsV1OperationsExtensions.ReadNamespacedDeploymentAsync(platform.Sandbox.CreateClient().AppsV1,
            name: "web", namespaceParameter: "staging", cancellationToken: ct);
        deployment.Spec.Replicas.ShouldBe(2);
        deployment.Status.ReadyReplicas.ShouldBe(2);
        platform["executor"].Output.ShouldContain("was interrupted; resuming it");
        platform.AllRunning.ShouldBeTrue(platform.Logs());
    }

    /// <summary>Scale requests to staging/web that went through (dry runs of policy excluded).</summary>
    private int ScalesApplied() =>
        platform!.Sandbox.Writes.To("deployments", "staging", "web").Count(w => w.Applied && w.Subresource == "scale");

    private async Task<JsonElement[]> SnapshotsAsync(string requestId) =>
        await platform!.Api().GetFromJsonAsync<JsonElement[]>($"/api/snapshots?request_id={requestId}", TestContext.Current.CancellationToken) ?? [];

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        while (!await condition())
        {
            (DateTime.UtcNow < deadline).ShouldBeTrue($"timed out waiting until {what}\n{platform!.Logs()}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
