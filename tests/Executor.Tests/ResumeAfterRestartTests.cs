using k8s;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Executor.Tests.Support;
using K8sAgentPlatform.TestSupport;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Persistence;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static K8sAgentPlatform.Executor.Tests.Support.TestCluster;

namespace K8sAgentPlatform.Executor.Tests;

/// <summary>
/// An executor killed in the middle of an operation, and the one started after it: the execution record of the
/// first tells the second what was done, and the cluster sees every change once.
/// </summary>
public sealed class ResumeAfterRestartTests : IAsyncLifetime
{
    private TestCluster cluster = null!;

    public async ValueTask InitializeAsync() => cluster = await StartAsync();

    public async ValueTask DisposeAsync() => await cluster.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_executor_killed_right_after_its_restart_reached_the_cluster_only_verifies_it_once_restarted()
    {
        await cluster.CreateDeploymentAsync();
        var command = Command(Op(OperationType.Restart, ResourceType.Deployment, "web"));

        await Should.ThrowAsync<ExecutorKilled>(() => Killed("/deployments/web", afterSending: true).ExecuteAsync(command, Ct));
        var interrupted = await cluster.Records.FindAsync(command.RequestId, 0, Ct);
        var outcome = await cluster.NewExecutor().ExecuteAsync(command, interrupted, Ct);

        interrupted.ShouldNotBeNull();
        interrupted.Finished.ShouldBeFalse();
        outcome.Success.ShouldBeTrue(outcome.Error);
        outcome.SnapshotId.ShouldBe(interrupted.SnapshotId);
        AppliedWrites("web").ShouldBe(1);
        cluster.Snapshots.All.Count.ShouldBe(1);
        (await RestartedAt("web")).ShouldBe(ExecutorRequests.RestartedAt(interrupted.StartedAt));
    }

    [Fact]
    public async Task An_executor_killed_before_its_scale_reached_the_cluster_applies_it_once_restarted()
    {
        await cluster.CreateDeploymentAsync(replicas: 2);
        var command = Command(Op(OperationType.Scale, ResourceType.Deployment, "web", new ScaleParameters { Replicas = 4 }));

        await Should.ThrowAsync<ExecutorKilled>(() => Killed("/deployments/web/scale", afterSending: false).ExecuteAsync(command, Ct));
        var interrupted = await cluster.Records.FindAsync(command.RequestId, 0, Ct);
        (await cluster.ReadAsync(ResourceType.Deployment, "web"))["spec"]!["replicas"]!.GetValue<int>().ShouldBe(2);
        var outcome = await cluster.NewExecutor().ExecuteAsync(command, interrupted, Ct);

        outcome.Success.ShouldBeTrue(outcome.Error);
        outcome.Result!.ShouldContain("from 2 to 4");
        (await cluster.ReadAsync(ResourceType.Deployment, "web"))["spec"]!["replicas"]!.GetValue<int>().ShouldBe(4);
        AppliedWrites("web").ShouldBe(1);
        cluster.Snapshots.All.Count.ShouldBe(1);
    }

    [Fact]
    public async Task An_interrupted_scale_after_which_the_replicas_were_applied_reports_the_true_starting_count()
    {
        await cluster.CreateDeploymentAsync(replicas: 2);
        var command = Command(Op(OperationType.Scale, ResourceType.Deployment, "web", new ScaleParameters { Replicas = 3 }));

        await Should.ThrowAsync<ExecutorKilled>(() => Killed("/deployments/web/scale", afterSending: true).ExecuteAsync(command, Ct));
        var outcome = await cluster.NewExecutor().ExecuteAsync(command, await cluster.Records.FindAsync(command.RequestId, 0, Ct), Ct);

        outcome.Success.ShouldBeTrue(outcome.Error);
        outcome.Result!.ShouldContain("from 2 to 3");
        AppliedWrites("web").ShouldBe(1);
    }

    [Fact]
    public async Task An_interrupted_operation_whose_object_someone_else_changed_meanwhile_applies_nothing_once_restarted()
    {
        await cluster.CreateDeploymentAsync(replicas: 2);
        var command = Command(Op(OperationType.Scale, ResourceType.Deployment, "web", new ScaleParameters { Replicas = 4 }));
        await Should.ThrowAsync<ExecutorKilled>(() => Killed("/deployments/web/scale", afterSending: false).ExecuteAsync(command, Ct));
        await cluster.Objects.PatchAsync(ResourceType.Deployment, Ns, "web",
            new k8s.Models.V1Patch("""{"metadata":{"labels":{"edited-by":"someone-else"}}}""", k8s.Models.V1Patch.PatchType.MergePatch), dryRun: false, Ct);

        var outcome = await cluster.NewExecutor().ExecuteAsync(command, await cluster.Records.FindAsync(command.RequestId, 0, Ct), Ct);

        outcome.Success.ShouldBeFalse();
        outcome.Error!.ShouldContain("changed by someone else while this operation was interrupted");
        (await cluster.ReadAsync(ResourceType.Deployment, "web"))["spec"]!["replicas"]!.GetValue<int>().ShouldBe(2);
        AppliedWrites("web").ShouldBe(1, "only the other writer's patch");
    }

    [Fact]
    public async Task A_restarted_consumer_republishes_a_finished_outcome_from_the_sqlite_records_without_touching_the_cluster()
    {
        await cluster.CreateDeploymentAsync();
        var path = Path.Combine(Path.GetTempPath(), "k8s-agent-executor-tests", Guid.NewGuid().ToString("N"), "platform.db");
        var command = Command(Op(OperationType.Restart, ResourceType.Deployment, "web"));
        try
        {
            OperationExecuted first;
            await using (var before = await StartConsumerAsync(path))
            {
                await before.Harness.Bus.SendCommand(command, Ct);
                first = await OneOutcomeAsync(before.Harness, command.RequestId);
            }

            var writes = AppliedWrites("web");
            await using var after = await StartConsumerAsync(path);
            await after.Harness.Bus.SendCommand(command, Ct);
            var again = await OneOutcomeAsync(after.Harness, command.RequestId);

            first.Success.ShouldBeTrue(first.Error);
            again.Evidence.ShouldBe(first.Evidence);
            (again with { Evidence = first.Evidence }).ShouldBe(first);
            writes.ShouldBe(1);
            AppliedWrites("web").ShouldBe(writes);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    private static ExecuteOperation Command(KubernetesOperation operation) => new() { RequestId = Guid.NewGuid(), Index = 0, Operation = operation };

    /// <summary>Writes to the deployment that went through: the executor's own, and any other writer's.</summary>
    private int AppliedWrites(string name) => cluster.Sandbox.Writes.To("deployments", Ns, name).Count(w => w.Applied);

    private async Task<string?> RestartedAt(string name) =>
        (await cluster.ReadAsync(ResourceType.Deployment, name))["spec"]?["template"]?["metadata"]?["annotations"]?[ExecutorRequests.RestartedAtAnnotation]?.GetValue<string>();

    /// <summary>An executor whose process dies at its write to <paramref name="path"/>: before sending it, or once the server has it.</summary>
    private Execution.OperationExecutor Killed(string path, bool afterSending) =>
        cluster.NewExecutor(new k8s.Kubernetes(new KubernetesClientConfiguration { Host = cluster.Sandbox.BaseUrl }, new KillingHandler(path, afterSending)));

    private async Task<ConsumerHost> StartConsumerAsync(string sqlitePath)
    {
        var fast = FastOptions();
        var provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(TestAuthorizationKeys.Settings).Build())
            .AddSingleton(cluster.Client)
            .AddSqlitePersistence(sqlitePath)
            .AddMassTransitTestHarness(x => x.AddExecutorService(o => o.Verification = fast.Verification))
            .BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        return new ConsumerHost(provider, harness);
    }

    private static async Task<OperationExecuted> OneOutcomeAsync(ITestHarness harness, Guid requestId)
    {
        (await harness.Published.Any<OperationExecuted>(m => m.Context.Message.RequestId == requestId, Ct)).ShouldBeTrue();
        return harness.Published.Select<OperationExecuted>(Ct).Single(m => m.Context.Message.RequestId == requestId).Context.Message;
    }

    private sealed record ConsumerHost(ServiceProvider Provider, ITestHarness Harness) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Harness.Stop(Ct);
            await Provider.DisposeAsync();
        }
    }

    private sealed class ExecutorKilled() : Exception("the executor process was killed");

    private sealed class KillingHandler(string path, bool afterSending) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            if (request.Method != HttpMethod.Patch || !uri.AbsolutePath.EndsWith(path, StringComparison.Ordinal) || uri.Query.Contains("dryRun", StringComparison.Ordinal))
            {
                return await base.SendAsync(request, cancellationToken);
            }

            if (afterSending)
            {
                using var _ = await base.SendAsync(request, cancellationToken);
            }

            throw new ExecutorKilled();
        }
    }
}
