namespace K8sAgentPlatform.Contracts;

/// <summary>Event: the request could not become a valid intent; <see cref="Reason"/> says what to change.</summary>
public sealed record IntentParsingFailed
{
    public required Guid RequestId { get; init; }
    /// <summary>A stable code: not_understood, invalid_intent, refused, truncated, rate_limited, unavailable, timeout.</summary>
    public required string Kind { get; init; }
    public required string Reason { get; init; }
    public IReadOnlyList<string> Errors { get; init; } = [];
    public string? Parser { get; init; }
}
