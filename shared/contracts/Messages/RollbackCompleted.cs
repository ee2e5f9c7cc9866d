namespace K8sAgentPlatform.Contracts;

/// <summary>Event: the snapshot was restored and verified (or had been already: <see cref="AlreadyRestored"/>).</summary>
public sealed record RollbackCompleted
{
    public required Guid RequestId { get; init; }
    public required string SnapshotId { get; init; }
    public int? OperationIndex { get; init; }
    public bool AlreadyRestored { get; init; }
    public required string Message { get; init; }
}
