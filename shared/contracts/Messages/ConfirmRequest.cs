namespace K8sAgentPlatform.Contracts;

/// <summary>
/// Command: a principal confirms the operations awaiting confirmation in one confirmation round. A confirmation
/// binds to that round and to the verdicts it was shown: a retried or redelivered confirm of an earlier round, or of
/// verdicts that changed since, is refused rather than approving something nobody saw.
/// </summary>
public sealed record ConfirmRequest
{
    public required Guid RequestId { get; init; }
    public required string Principal { get; init; }
    /// <summary>The round confirmed (<see cref="ConfirmationRequested.Round"/>).</summary>
    public required int Round { get; init; }
    /// <summary>The hash of the verdicts the confirmer was shown (<see cref="ConfirmationRequested.VerdictsHash"/>).</summary>
    public required string VerdictsHash { get; init; }
}
