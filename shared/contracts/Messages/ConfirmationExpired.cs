namespace K8sAgentPlatform.Contracts;

/// <summary>Event: published by the sweeper when a request's confirmation deadline passed.</summary>
public sealed record ConfirmationExpired
{
    public required Guid RequestId { get; init; }
    public required DateTimeOffset ExpiredAt { get; init; }
}
