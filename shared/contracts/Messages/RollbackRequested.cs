using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Contracts;

/// <summary>
/// Command: restore a snapshot, by id or by resource (its latest unconsumed snapshot). Sent by the saga to the
/// rollback service when compensating, signed (<see cref="Authorization"/>).
/// </summary>
public sealed record RollbackRequested
{
    public required Guid RequestId { get; init; }
    public string? SnapshotId { get; init; }
    public ResourceRef? Resource { get; init; }
    /// <summary>The operation being compensated, when the saga asks.</summary>
    public int? OperationIndex { get; init; }
    public required string Reason { get; init; }
    public required string Principal { get; init; }
    /// <summary>The saga's signed permission for exactly this restore; the rollback service refuses to act without a valid one.</summary>
    public OperationAuthorization? Authorization { get; init; }
}

/// <summary>An object in a cluster.</summary>
public sealed record ResourceRef(ResourceType ResourceType, string? Namespace, string Name);
