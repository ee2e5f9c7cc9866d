namespace K8sAgentPlatform.Contracts;

/// <summary>Event: the request waits for a human; it expires at <see cref="ExpiresAt"/>.</summary>
public sealed record ConfirmationRequested
{
    public required Guid RequestId { get; init; }
    public required IReadOnlyList<int> OperationIndexes { get; init; }
    public required string RequestedBy { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    /// <summary>Counts from 1; every time the request goes back to waiting (e.g. the object changed) a new round starts.</summary>
    public int Round { get; init; }
    /// <summary>SHA-256 (hex) of the policy verdicts this round asks to approve.</summary>
    public string VerdictsHash { get; init; } = "";
}
