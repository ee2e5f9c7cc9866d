using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Contracts;

/// <summary>Event: the request's text became a valid intent.</summary>
public sealed record IntentParsed
{
    public required Guid RequestId { get; init; }
    public required KubernetesIntent Intent { get; init; }
    /// <summary>Which parser produced it: offline, openai, or provided (the caller sent an intent).</summary>
    public required string Parser { get; init; }
    public DateTimeOffset ParsedAt { get; init; }
}
