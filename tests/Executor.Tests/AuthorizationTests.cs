using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Executor.Tests.Support;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Tests.Shared;
using K8sAgentPlatform.TestSupport;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using static K8sAgentPlatform.Executor.Tests.Support.TestCluster;

namespace K8sAgentPlatform.Executor.Tests;

/// <summary>
/// The executor and the rollback service act only on the saga's signed authorization for exactly the command they
/// get: anything else on their queues changes nothing, is audited, counted, and answered with the reason.
/// </summary>
public sealed class AuthorizationTests : IAsyncLifetime
{
    private TestCluster cluster = null!;
    private ServiceProvider provider = null!;
    private ITestHarness harness = null!;
    private MetricsListener metrics = null!;

    public async ValueTask InitializeAsync()
    {
        cluster = await StartAsync();
        provider = cluster.HarnessProvider();
        harness = provider.GetRequiredService<ITestHarness>();
        metrics = new MetricsListener(provider.GetRequiredService<PlatformMetrics>());
        await harness.Start();
    }

    public async ValueTask DisposeAsync()
    {
        metrics.Dispose();
        await harness.Stop();
        await provider.DisposeAsync();
        await cluster.DisposeAsync();
    }

    private static ExecuteOperation Scale(int replicas, string ns = Ns) => new()
    {
        RequestId = Guid.NewGuid(),
        Index = 0,
        Operation = Op(OperationType.Scale, ResourceType.Deployment, "web", new ScaleParameters { Replicas = replicas }) with { Namespace = ns },
    };

    [Fact]
    public async Task A_command_without_an_authorization_changes_nothing_and_is_audited_counted_and_answered()
    {
        await cluster.CreateDeploymentAsync();
        var writes = cluster.Sandbox.Writes.All.Count;
        var command = Scale(5);

        await harness.Bus.SendUnsigned(command);

        await ShouldBeRefused(command, "missing", writes);
    }

    [Fact]
    public async Task A_signed_authorization_for_another_change_is_a_mismatch()
    {
        await cluster.CreateDeploymentAsync();
        var writes = cluster.Sandbox.Writes.All.Count;
        var signedForTwo = TestAuthorizationKeys.Signed(Scale(2));
        var command = signedForTwo with { Operation = Scale(40).Operation }; // the payload swapped under a valid signature

        await harness.Bus.SendUnsigned(command);

        await ShouldBeRefused(command, "mismatch", writes);
    }

    [Fact]
    public async Task An_altered_authorization_fails_its_signature_and_one_from_an_unknown_key_is_refused()
    {
        await cluster.CreateDeploymentAsync();
        var writes = cluster.Sandbox.Writes.All.Count;
        var signed = TestAuthorizationKeys.Signed(Scale(2));
        var altered = signed with { Authorization = signed.Authorization! with { ExpiresAt = signed.Authorization.ExpiresAt.AddDays(30) } };
        var unknown = Scale(3);
        unknown = unknown with { Authorization = TestAuthorizationKeys.Signed(unknown).Authorization! with { KeyId = "0123456789abcdef" } };

        await harness.Bus.SendUnsigned(altered);
        await harness.Bus.SendUnsigned(unknown);

        await ShouldBeRefused(altered, "invalid_signature", writes);
        await ShouldBeRefused(unknown, "unknown_key", writes);
    }

    [Fact]
    public async Task An_expired_authorization_is_refused()
    {
        await cluster.CreateDeploymentAsync();
        var writes = cluster.Sandbox.Writes.All.Count;
        var command = TestAuthorizationKeys.Signed(Scale(2), new ManualTime(DateTimeOffset.UtcNow.AddHours(-1)));

        await harness.Bus.SendUnsigned(command);

        await ShouldBeRefused(command, "expired", writes);
    }

    [Fact]
    public async Task A_replayed_authorization_changes_nothing_the_second_time_and_is_audited_as_a_replay()
    {
        await cluster.CreateDeploymentAsync();
        var command = TestAuthorizationKeys.Signed(Scale(3));
        await harness.Bus.SendUnsigned(command);
        (await Outcomes(command.RequestId, 1))[0].Success.ShouldBeTrue();
        var writes = cluster.Sandbox.Writes.All.Count;

        await harness.Bus.SendUnsigned(command);

        (await Outcomes(command.RequestId, 2))[1].Success.ShouldBeTrue(); // the recorded outcome, republished
        cluster.Sandbox.Writes.All.Count.ShouldBe(writes);
        (await cluster.Audit.ReadAsync(new(command.RequestId))).ShouldContain(e => e.Action == "execution-refused" && e.Detail!.Contains("authorization replayed"));
        metrics.Sum(PlatformMetrics.OperationsRefusedTotal, ("service", "executor"), ("reason", "replayed")).ShouldBe(1);
    }

    [Fact]
    public async Task A_signed_command_that_breaks_a_static_rule_is_refused_by_the_executor_itself()
    {
        var writes = cluster.Sandbox.Writes.All.Count;
        var command = TestAuthorizationKeys.Signed(Scale(2, ns: "kube-system"));

        await harness.Bus.SendUnsigned(command);

        await ShouldBeRefused(command, "static_policy", writes);
    }

    [Fact]
    public async Task A_restore_without_the_sagas_authorization_is_refused_by_the_rollback_service()
    {
        var before = await cluster.CreateDeploymentAsync();
        var executed = await cluster.RunAsync(Op(OperationType.Scale, ResourceType.Deployment, "web", new ScaleParameters { Replicas = 4 }));
        var writes = cluster.Sandbox.Writes.All.Count;
        var restore = new RollbackRequested { RequestId = executed.RequestId, SnapshotId = executed.SnapshotId, OperationIndex = 0, Reason = "forged restore", Principal = "mallory" };

        await harness.Bus.SendUnsigned(restore);

        (await harness.Published.Any<RollbackFailed>(m => m.Context.Message.RequestId == restore.RequestId, TestContext.Current.CancellationToken)).ShouldBeTrue();
        harness.Published.Select<RollbackFailed>(TestContext.Current.CancellationToken).Single(m => m.Context.Message.RequestId == restore.RequestId)
            .Context.Message.Error.ShouldStartWith("refused by the rollback service: authorization missing");
        cluster.Sandbox.Writes.All.Count.ShouldBe(writes);
        (await cluster.Snapshots.GetAsync(executed.SnapshotId!))!.Consumed.ShouldBeFalse();
        (await cluster.Audit.ReadAsync(new(restore.RequestId))).ShouldContain(e => e.Action == "rollback-refused");
        before.ShouldNotBeNull();
    }

    private async Task ShouldBeRefused(ExecuteOperation command, string reason, int writesBefore)
    {
        var outcome = (await Outcomes(command.RequestId, 1))[0];
        outcome.Success.ShouldBeFalse();
        outcome.Error.ShouldStartWith($"refused by the executor: authorization {reason}");
        outcome.SnapshotId.ShouldBeNull();
        cluster.Sandbox.Writes.All.Count.ShouldBe(writesBefore, "the cluster must not be touched");
        (await cluster.Records.FindAsync(command.RequestId, command.Index, TestContext.Current.CancellationToken)).ShouldBeNull();
        (await cluster.Audit.ReadAsync(new(command.RequestId))).ShouldContain(e => e.Action == "execution-refused" && e.Outcome == "refused");
        metrics.Sum(PlatformMetrics.OperationsRefusedTotal, ("service", "executor"), ("reason", reason)).ShouldBeGreaterThanOrEqualTo(1);
    }

    private async Task<IReadOnlyList<OperationExecuted>> Outcomes(Guid requestId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (true)
        {
            var found = harness.Published.Select<OperationExecuted>(TestContext.Current.CancellationToken)
                .Where(x => x.Context.Message.RequestId == requestId).Select(x => x.Context.Message).ToArray();
            if (found.Length >= count)
            {
                return found;
            }

            (DateTime.UtcNow < deadline).ShouldBeTrue($"{found.Length} of {count} OperationExecuted published");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
