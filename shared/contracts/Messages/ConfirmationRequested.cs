namespace K8sAgentPlatform.Contracts;

/// <summary>Event: the request waits for a human; it expires at <see cref="ExpiresAt"/>.</summary>
public sealed record ConfirmationRequested
{
    public required Guid RequestId { get; init; }
    public required IReadOnlyList<int> OperationIndexes { get; init; }
    public required string RequestedBy { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
}
