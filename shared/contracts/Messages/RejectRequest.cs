namespace K8sAgentPlatform.Contracts;

/// <summary>Command: a principal rejects the request; nothing runs.</summary>
public sealed record RejectRequest
{
    public required Guid RequestId { get; init; }
    public required string Principal { get; init; }
    public string? Reason { get; init; }
}
