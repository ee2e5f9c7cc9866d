namespace K8sAgentPlatform.Contracts;

/// <summary>Command: a request held by the emergency stop goes on (sent by the orchestrator when the stop is lifted).</summary>
public sealed record ResumeRequest
{
    public required Guid RequestId { get; init; }
    public required string Principal { get; init; }
}
