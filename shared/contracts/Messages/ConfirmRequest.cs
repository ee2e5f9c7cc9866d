namespace K8sAgentPlatform.Contracts;

/// <summary>Command: a principal confirms the operations awaiting confirmation.</summary>
public sealed record ConfirmRequest
{
    public required Guid RequestId { get; init; }
    public required string Principal { get; init; }
}
