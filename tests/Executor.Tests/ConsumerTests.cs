using k8s;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Executor.Tests.Support;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Rollback;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static K8sAgentPlatform.Executor.Tests.Support.TestCluster;

namespace K8sAgentPlatform.Executor.Tests;

/// <summary>The two consumers on the MassTransit test harness, against the sandbox.</summary>
public sealed class ConsumerTests : IAsyncLifetime
{
    private TestCluster cluster = null!;
    private ServiceProvider provider = null!;
    private ITestHarness harness = null!;

    public async ValueTask InitializeAsync()
    {
        cluster = await StartAsync();
        provider = cluster.HarnessProvider();
        harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await harness.Stop();
        await provider.DisposeAsync();
        await cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_redelivered_ExecuteOperation_republishes_the_outcome_without_applying_twice()
    {
        await cluster.CreateDeploymentAsync();
        var command = new ExecuteOperation { RequestId = Guid.NewGuid(), Index = 0, Operation = Op(OperationType.Restart, ResourceType.Deployment, "web") };

        await harness.Bus.SendCommand(command);
        var first = (await Executed(command.RequestId, count: 1))[0];
        var restartedAt = await RestartedAt();
        await harness.Bus.SendCommand(command);
        var both = await Executed(command.RequestId, count: 2);

        first.Success.ShouldBeTrue(first.Error);
        both[1].ShouldBe(both[0]);
        (await RestartedAt()).ShouldBe(restartedAt);
        cluster.Snapshots.All.Count.ShouldBe(1);
    }

    [Fact]
    public async Task RollbackRequested_by_snapshot_id_restores_it_once_and_says_so_the_second_time()
    {
        var before = await cluster.CreateDeploymentAsync();
        var executed = await cluster.RunAsync(Op(OperationType.UpdateImage, ResourceType.Deployment, "web",
            new UpdateImageParameters { ContainerName = "web", Image = "registry.k8s.io/web", Tag = "9.9.9" }));
        var request = new RollbackRequested { RequestId = executed.RequestId, SnapshotId = executed.SnapshotId, OperationIndex = 0, Reason = "compensating a failed request", Principal = "saga" };

        await harness.Bus.SendCommand(request);
        var completed = await Completed(request.RequestId, count: 1);
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.Deployment, "web"));
        await harness.Bus.SendCommand(request);
        var again = (await Completed(request.RequestId, count: 2))[1];

        completed[0].AlreadyRestored.ShouldBeFalse();
        completed[0].Message.ShouldContain("restored");
        again.AlreadyRestored.ShouldBeTrue();
        again.Message.ShouldContain("restored already");
        (await cluster.Snapshots.GetAsync(executed.SnapshotId!))!.Consumed.ShouldBeTrue();
    }

    [Fact]
    public async Task RollbackRequested_by_resource_restores_its_latest_unconsumed_snapshot()
    {
        var before = await cluster.CreateAsync(ResourceType.ConfigMap,
            $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings","namespace":"{{{Ns}}}"},"data":{"A":"1"}}""");
        var executed = await cluster.RunAsync(Op(OperationType.Delete, ResourceType.ConfigMap, "settings"));
        executed.Success.ShouldBeTrue(executed.Error);
        var request = new RollbackRequested
        {
            RequestId = Guid.NewGuid(),
            Resource = new ResourceRef(ResourceType.ConfigMap, Ns, "settings"),
            Reason = "operator asked to undo the delete",
            Principal = "alice",
        };

        await harness.Bus.SendCommand(request);
        var completed = (await Completed(request.RequestId, count: 1))[0];

        completed.SnapshotId.ShouldBe(executed.SnapshotId);
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.ConfigMap, "settings"));
    }

    [Fact]
    public async Task A_cordon_is_rolled_back_through_the_consumer_as_an_uncordon_policy_accepts()
    {
        var before = await cluster.ReadAsync(ResourceType.Node, "worker-2", ns: null);
        var cordoned = await cluster.RunAsync(Op(OperationType.CordonNode, ResourceType.Node, "worker-2"));
        cordoned.Success.ShouldBeTrue(cordoned.Error);
        var request = new RollbackRequested { RequestId = cordoned.RequestId, SnapshotId = cordoned.SnapshotId, Reason = "compensating the cordon", Principal = "saga" };

        await harness.Bus.SendCommand(request);
        var completed = (await Completed(request.RequestId, count: 1))[0];

        completed.AlreadyRestored.ShouldBeFalse();
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.Node, "worker-2", ns: null));
    }

    [Fact]
    public async Task A_rollback_policy_refuses_fails_without_touching_the_cluster()
    {
        var snapshot = await cluster.Snapshots.SaveAsync(new SnapshotDocument
        {
            Id = "snap-protected",
            RequestId = Guid.NewGuid(),
            OperationIndex = 0,
            Operation = Op(OperationType.Delete, ResourceType.ConfigMap, "coredns", ns: "kube-system"),
            Kind = "ConfigMap",
            ApiVersion = "v1",
            Namespace = "kube-system",
            Name = "coredns",
            ObjectJson = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"coredns","namespace":"kube-system"},"data":{"x":"y"}}""",
            CapturedAt = DateTimeOffset.UtcNow,
        });
        var request = new RollbackRequested { RequestId = snapshot.RequestId, SnapshotId = snapshot.Id, Reason = "restore a protected object", Principal = "mallory" };

        await harness.Bus.SendCommand(request);

        var failed = (await Failed(request.RequestId))[0];
        failed.Error.ShouldContain("policy refused");
        failed.Error.ShouldContain("protected");
        (await cluster.Objects.ReadAsync(ResourceType.ConfigMap, "kube-system", "coredns", default)).ShouldBeNull();
        (await cluster.Snapshots.GetAsync(snapshot.Id))!.Consumed.ShouldBeFalse();
    }

    [Fact]
    public async Task A_rollback_of_an_unknown_snapshot_fails_clearly()
    {
        var request = new RollbackRequested { RequestId = Guid.NewGuid(), SnapshotId = "snap-nope", Reason = "nothing to restore here", Principal = "alice" };

        await harness.Bus.SendCommand(request);

        (await Failed(request.RequestId))[0].Error.ShouldContain("does not exist");
    }

    private async Task<string?> RestartedAt() =>
        (await cluster.ReadAsync(ResourceType.Deployment, "web"))["spec"]!["template"]!["metadata"]!["annotations"]?[ExecutorRequests.RestartedAtAnnotation]?.GetValue<string>();

    private Task<IReadOnlyList<OperationExecuted>> Executed(Guid requestId, int count) =>
        Eventually(() => Task.FromResult<IReadOnlyList<OperationExecuted>>(harness.Published.Select<OperationExecuted>()
            .Where(x => x.Context.Message.RequestId == requestId).Select(x => x.Context.Message).ToArray()), count, "OperationExecuted");

    private async Task<IReadOnlyList<RollbackCompleted>> Completed(Guid requestId, int count) =>
        await Eventually(() => Task.FromResult<IReadOnlyList<RollbackCompleted>>(harness.Published.Select<RollbackCompleted>()
            .Where(x => x.Context.Message.RequestId == requestId).Select(x => x.Context.Message).ToArray()), count, "RollbackCompleted");

    private Task<IReadOnlyList<RollbackFailed>> Failed(Guid requestId) =>
        Eventually(() => Task.FromResult<IReadOnlyList<RollbackFailed>>(harness.Published.Select<RollbackFailed>()
            .Where(x => x.Context.Message.RequestId == requestId).Select(x => x.Context.Message).ToArray()), 1, "RollbackFailed");

    /// <summary>Waits until <paramref name="count"/> messages are there, or fails at a deadline; never a fixed sleep.</summary>
    private static async Task<IReadOnlyList<T>> Eventually<T>(Func<Task<IReadOnlyList<T>>> probe, int count, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (true)
        {
            var found = await probe();
            if (found.Count >= count)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: {found.Count} of {count} published");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
