using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Executor.Execution;
using K8sAgentPlatform.Executor.Tests.Support;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Rollback;
using K8sAgentPlatform.Tests.Shared;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static K8sAgentPlatform.Executor.Tests.Support.TestCluster;

namespace K8sAgentPlatform.Executor.Tests;

/// <summary>The executor's and the rollback service's metrics, recorded by their consumers on the harness.</summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private TestCluster cluster = null!;
    private ServiceProvider provider = null!;
    private ITestHarness harness = null!;
    private MetricsListener metrics = null!;

    public async ValueTask InitializeAsync()
    {
        cluster = await StartAsync();
        provider = cluster.HarnessProvider();
        metrics = new MetricsListener(provider.GetRequiredService<PlatformMetrics>());
        harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
    }

    public async ValueTask DisposeAsync()
    {
        metrics.Dispose();
        await harness.Stop();
        await provider.DisposeAsync();
        await cluster.DisposeAsync();
    }

    [Fact]
    public async Task An_executed_operation_counts_once_with_its_type_resource_namespace_and_status()
    {
        await cluster.CreateDeploymentAsync();
        var command = new ExecuteOperation { RequestId = Guid.NewGuid(), Index = 0, Operation = Op(OperationType.Restart, ResourceType.Deployment, "web") };

        await harness.Bus.SendCommand(command);
        await Published<OperationExecuted>(command.RequestId, 1);
        await harness.Bus.SendCommand(command);
        await Published<OperationExecuted>(command.RequestId, 2);

        var recorded = metrics.Of(PlatformMetrics.OperationsTotal).ShouldHaveSingleItem();
        recorded.Labels.ShouldBe(new Dictionary<string, string>
        {
            ["operation_type"] = "restart",
            ["resource_type"] = "deployment",
            ["namespace"] = Ns,
            ["status"] = "success",
        }, ignoreOrder: true);
    }

    [Fact]
    public async Task A_failed_operation_counts_as_a_failure()
    {
        var command = new ExecuteOperation { RequestId = Guid.NewGuid(), Index = 0, Operation = Op(OperationType.Restart, ResourceType.Deployment, "missing") };

        await harness.Bus.SendCommand(command);
        await Published<OperationExecuted>(command.RequestId, 1);

        metrics.Sum(PlatformMetrics.OperationsTotal, ("operation_type", "restart"), ("status", "failure")).ShouldBe(1);
        metrics.Sum(PlatformMetrics.OperationsTotal, ("status", "success")).ShouldBe(0);
    }

    [Fact]
    public async Task A_dry_run_is_not_counted_as_an_operation()
    {
        await cluster.CreateDeploymentAsync();
        var command = new ExecuteOperation { RequestId = Guid.NewGuid(), Index = 0, Operation = Op(OperationType.Restart, ResourceType.Deployment, "web"), DryRun = true };

        await harness.Bus.SendCommand(command);
        await Published<OperationExecuted>(command.RequestId, 1);

        metrics.Of(PlatformMetrics.OperationsTotal).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_saga_s_rollback_counts_as_automatic_and_successful_and_a_manual_one_that_fails_as_manual()
    {
        await cluster.CreateDeploymentAsync();
        var command = new ExecuteOperation { RequestId = Guid.NewGuid(), Index = 0, Operation = Op(OperationType.Restart, ResourceType.Deployment, "web") };
        await harness.Bus.SendCommand(command);
        var executed = (await Published<OperationExecuted>(command.RequestId, 1))[0];

        await harness.Bus.SendCommand(new RollbackRequested { RequestId = command.RequestId, SnapshotId = executed.SnapshotId, OperationIndex = 0, Reason = "compensating a failed request", Principal = "system" });
        await Published<RollbackCompleted>(command.RequestId, 1);
        var manual = Guid.NewGuid();
        await harness.Bus.SendCommand(new RollbackRequested { RequestId = manual, SnapshotId = "snap-nope", Reason = "nothing to restore here", Principal = "alice" });
        await Published<RollbackFailed>(manual, 1);

        metrics.Sum(PlatformMetrics.RollbacksTotal, ("trigger", "automatic"), ("success", "true")).ShouldBe(1);
        metrics.Sum(PlatformMetrics.RollbacksTotal, ("trigger", "manual"), ("success", "false")).ShouldBe(1);
        metrics.Of(PlatformMetrics.RollbacksTotal).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Active_snapshots_is_the_count_of_snapshots_not_yet_restored()
    {
        await cluster.CreateDeploymentAsync();
        var command = new ExecuteOperation { RequestId = Guid.NewGuid(), Index = 0, Operation = Op(OperationType.Restart, ResourceType.Deployment, "web") };
        var gauge = provider.GetServices<IHostedService>().OfType<ActiveSnapshotsGauge>().Single();

        await harness.Bus.SendCommand(command);
        var executed = (await Published<OperationExecuted>(command.RequestId, 1))[0];
        await gauge.RefreshAsync(CancellationToken.None);
        metrics.Observe();
        await harness.Bus.SendCommand(new RollbackRequested { RequestId = command.RequestId, SnapshotId = executed.SnapshotId, OperationIndex = 0, Reason = "compensating a failed request", Principal = "system" });
        await Published<RollbackCompleted>(command.RequestId, 1);
        await gauge.RefreshAsync(CancellationToken.None);
        metrics.Observe();

        // The harness starts the gauge's own loop too, which may have counted once before.
        metrics.Of(PlatformMetrics.ActiveSnapshots).Select(r => r.Value).TakeLast(2).ShouldBe([1, 0]);
    }

    private async Task<IReadOnlyList<T>> Published<T>(Guid requestId, int count) where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (true)
        {
            var found = harness.Published.Select<T>().Where(x => RequestIdOf(x.Context.Message) == requestId).Select(x => x.Context.Message).ToArray();
            if (found.Length >= count)
            {
                return found;
            }

            (DateTime.UtcNow < deadline).ShouldBeTrue($"{typeof(T).Name}: {found.Length} of {count} published");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private static Guid RequestIdOf(object message) => (Guid)message.GetType().GetProperty("RequestId")!.GetValue(message)!;
}
