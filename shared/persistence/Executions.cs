using System.Text.Json;
using K8sAgentPlatform.Contracts;

namespace K8sAgentPlatform.Persistence;

/// <summary>
/// What the executor knows about one operation of one request: that it started changing the cluster (with the
/// snapshot taken just before) and, once verified, the outcome it published. Kept so that a redelivered
/// ExecuteOperation, even to a restarted executor, never applies the change a second time.
/// </summary>
public sealed record ExecutionRecord
{
    public required Guid RequestId { get; init; }
    public required int OperationIndex { get; init; }
    /// <summary>The snapshot stored before the change; null for operations that read only.</summary>
    public string? SnapshotId { get; init; }
    /// <summary>When the first attempt started; a resumed attempt reuses it (a restart's timestamp, for one).</summary>
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>The outcome published; null while the operation has started but not finished.</summary>
    public OperationExecuted? Outcome { get; init; }
    /// <summary>The rollout as the executor last saw it while verifying ("desired 3, updated 1, ready 1, available 1"); null before.</summary>
    public string? Progress { get; init; }

    public bool Finished => Outcome is not null;
}

/// <summary>Execution records (MongoDB in production, SQLite embedded), one per (request id, operation index).</summary>
public interface IExecutionRecordStore
{
    Task<ExecutionRecord?> FindAsync(Guid requestId, int operationIndex, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that the operation is about to change the cluster. Idempotent: when a record exists already it is
    /// returned unchanged, so the first start (and its snapshot) stays.
    /// </summary>
    Task<ExecutionRecord> StartAsync(ExecutionRecord started, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the outcome (creating the record when no start was recorded, as for a read). The first outcome
    /// stays: the record returned holds the outcome to publish.
    /// </summary>
    Task<ExecutionRecord> FinishAsync(OperationExecuted outcome, CancellationToken cancellationToken = default);

    /// <summary>Records how the rollout stands while it is verified (shown to people following the request); nothing when no record exists.</summary>
    Task ReportProgressAsync(Guid requestId, int operationIndex, string progress, CancellationToken cancellationToken = default);
}

/// <summary>How every store writes an outcome: the message as JSON, read back equal.</summary>
internal static class ExecutionPayload
{
    public static string OutcomeJson(OperationExecuted outcome) => JsonSerializer.Serialize(outcome);

    public static OperationExecuted ReadOutcome(string json) =>
        JsonSerializer.Deserialize<OperationExecuted>(json) ?? throw new InvalidDataException("A stored execution record has a null outcome.");

    public static void Validate(ExecutionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentOutOfRangeException.ThrowIfNegative(record.OperationIndex);
        if (record.Outcome is { } outcome && (outcome.RequestId != record.RequestId || outcome.Index != record.OperationIndex))
        {
            throw new ArgumentException("The outcome belongs to another operation than the record.", nameof(record));
        }
    }
}
