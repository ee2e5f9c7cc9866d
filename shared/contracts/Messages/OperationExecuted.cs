namespace K8sAgentPlatform.Contracts;

/// <summary>Event: the outcome of one operation, verified (for workloads, the rollout finished or failed).</summary>
public sealed record OperationExecuted
{
    public required Guid RequestId { get; init; }
    public required int Index { get; init; }
    public required bool Success { get; init; }
    /// <summary>The snapshot taken before the change; null for read-only operations.</summary>
    public string? SnapshotId { get; init; }
    /// <summary>What happened, in a few lines (status or logs for read-only operations).</summary>
    public string? Result { get; init; }
    public string? Error { get; init; }
    /// <summary>Why it failed, as observed: pod reasons, events.</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
}
