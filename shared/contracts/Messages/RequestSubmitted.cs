using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Contracts;

/// <summary>Event: a request was accepted and needs an intent (parsed from text, or checked if given).</summary>
public sealed record RequestSubmitted
{
    public required Guid RequestId { get; init; }
    public string? Text { get; init; }
    public KubernetesIntent? Intent { get; init; }
    public bool DryRun { get; init; }
    public required string Principal { get; init; }
    public DateTimeOffset SubmittedAt { get; init; }
}
