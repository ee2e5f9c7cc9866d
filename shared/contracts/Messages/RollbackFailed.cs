namespace K8sAgentPlatform.Contracts;

/// <summary>Event: a rollback could not restore the snapshot; a human must look.</summary>
public sealed record RollbackFailed
{
    public required Guid RequestId { get; init; }
    public string? SnapshotId { get; init; }
    public int? OperationIndex { get; init; }
    public required string Error { get; init; }
}
