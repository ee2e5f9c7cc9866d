using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Contracts;

/// <summary>
/// Command: a request from any system (HTTP API, CLI, Alertmanager, a raw JSON publisher). Exactly one of
/// <see cref="Text"/> and <see cref="Intent"/> is set. The orchestrator starts a saga keyed by <see cref="RequestId"/>.
/// </summary>
public sealed record SubmitRequest
{
    public required Guid RequestId { get; init; }
    public string? Text { get; init; }
    public KubernetesIntent? Intent { get; init; }
    /// <summary>Validate and report only; never execute.</summary>
    public bool DryRun { get; init; }
    /// <summary>Who asked: the authenticated principal, or the publishing system's name.</summary>
    public required string Principal { get; init; }
    /// <summary>Where it came from: api, cli, alertmanager, bus.</summary>
    public string Source { get; init; } = "bus";
    public DateTimeOffset SubmittedAt { get; init; }
}
