using K8sAgentPlatform.Contracts;

namespace K8sAgentPlatform.Persistence.Tests.Contract;

/// <summary>Execution records: what a restarted executor finds of the operations it started or finished.</summary>
public abstract partial class PersistenceContract
{
    private static ExecutionRecord Started(Guid requestId, int index = 0, string? snapshotId = "snap-0123456789abcdef") => new()
    {
        RequestId = requestId,
        OperationIndex = index,
        SnapshotId = snapshotId,
        StartedAt = TestData.T0,
    };

    private static OperationExecuted Outcome(Guid requestId, int index = 0, bool success = true, string? snapshotId = "snap-0123456789abcdef") => new()
    {
        RequestId = requestId,
        Index = index,
        Success = success,
        SnapshotId = snapshotId,
        Result = success ? "staging/deployment/web scaled from 2 to 3 replicas; rollout complete" : null,
        Error = success ? null : "rollout failed",
        Evidence = success ? [] : ["pod web-1: ImagePullBackOff", "event: Failed to pull image"],
        StartedAt = TestData.T0,
        FinishedAt = TestData.T0.AddSeconds(12.345678),
    };

    [Fact]
    public async Task A_started_execution_is_found_unfinished_by_another_store_instance()
    {
        await using var store = await CreateAsync();
        var requestId = Guid.NewGuid();

        var started = await store.Executions.StartAsync(Started(requestId));
        var found = await store.OtherExecutions.FindAsync(requestId, 0);

        started.ShouldBe(Started(requestId));
        found.ShouldBe(Started(requestId));
        found!.Finished.ShouldBeFalse();
        (await store.Executions.FindAsync(requestId, 1)).ShouldBeNull();
        (await store.Executions.FindAsync(Guid.NewGuid(), 0)).ShouldBeNull();
    }

    [Fact]
    public async Task The_rollouts_progress_is_kept_on_a_started_record_and_on_no_other()
    {
        await using var store = await CreateAsync();
        var requestId = Guid.NewGuid();
        await store.Executions.StartAsync(Started(requestId));

        await store.Executions.ReportProgressAsync(requestId, 0, "desired 3, updated 1, ready 1, available 1");
        await store.Executions.ReportProgressAsync(requestId, 0, "desired 3, updated 2, ready 2, available 2");
        await store.Executions.ReportProgressAsync(requestId, 1, "desired 3, updated 3, ready 3, available 3");

        (await store.OtherExecutions.FindAsync(requestId, 0))!.Progress.ShouldBe("desired 3, updated 2, ready 2, available 2");
        (await store.OtherExecutions.FindAsync(requestId, 1)).ShouldBeNull();
    }

    [Fact]
    public async Task Starting_again_keeps_the_first_start_and_its_snapshot()
    {
        await using var store = await CreateAsync();
        var requestId = Guid.NewGuid();
        await store.Executions.StartAsync(Started(requestId));

        var again = await store.OtherExecutions.StartAsync(Started(requestId, snapshotId: "snap-ffffffffffffffff") with { StartedAt = TestData.T0.AddMinutes(5) });

        again.ShouldBe(Started(requestId));
    }

    [Fact]
    public async Task A_finished_execution_reads_back_its_outcome_field_for_field()
    {
        await using var store = await CreateAsync();
        var requestId = Guid.NewGuid();
        await store.Executions.StartAsync(Started(requestId));
        var outcome = Outcome(requestId, success: false);

        var finished = await store.Executions.FinishAsync(outcome);
        var found = await store.OtherExecutions.FindAsync(requestId, 0);

        finished.Finished.ShouldBeTrue();
        found!.SnapshotId.ShouldBe("snap-0123456789abcdef");
        found.StartedAt.ShouldBe(TestData.T0);
        ShouldBeSameOutcome(found.Outcome!, outcome);
    }

    [Fact]
    public async Task Finishing_without_a_start_records_the_outcome_of_a_read()
    {
        await using var store = await CreateAsync();
        var requestId = Guid.NewGuid();
        var outcome = Outcome(requestId, index: 3, snapshotId: null) with { Result = "3/3 replicas ready" };

        await store.Executions.FinishAsync(outcome);
        var found = await store.OtherExecutions.FindAsync(requestId, 3);

        found!.SnapshotId.ShouldBeNull();
        ShouldBeSameOutcome(found.Outcome!, outcome);
    }

    [Fact]
    public async Task Finishing_again_keeps_the_first_outcome()
    {
        await using var store = await CreateAsync();
        var requestId = Guid.NewGuid();
        await store.Executions.StartAsync(Started(requestId));
        var first = Outcome(requestId, success: true);
        await store.Executions.FinishAsync(first);

        var again = await store.OtherExecutions.FinishAsync(Outcome(requestId, success: false));

        ShouldBeSameOutcome(again.Outcome!, first);
        ShouldBeSameOutcome((await store.Executions.FindAsync(requestId, 0))!.Outcome!, first);
    }

    [Fact]
    public async Task Concurrent_finishers_agree_on_one_outcome()
    {
        await using var store = await CreateAsync();
        var requestId = Guid.NewGuid();
        await store.Executions.StartAsync(Started(requestId));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            (i % 2 == 0 ? store.Executions : store.OtherExecutions).FinishAsync(Outcome(requestId) with { Result = $"finisher {i}" })));

        results.Select(r => r.Outcome!.Result).Distinct().Count().ShouldBe(1);
    }

    /// <summary>Records compare lists by reference; the outcome is compared by value, evidence item by item.</summary>
    private static void ShouldBeSameOutcome(OperationExecuted actual, OperationExecuted expected)
    {
        actual.Evidence.ShouldBe(expected.Evidence);
        (actual with { Evidence = expected.Evidence }).ShouldBe(expected);
    }
}
