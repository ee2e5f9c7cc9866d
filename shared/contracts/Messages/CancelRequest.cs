namespace K8sAgentPlatform.Contracts;

/// <summary>Command: stop the request; operations already applied are compensated.</summary>
public sealed record CancelRequest
{
    public required Guid RequestId { get; init; }
    public required string Principal { get; init; }
}
