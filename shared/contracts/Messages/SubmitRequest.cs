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
    /// <summary>
    /// Who asked, as the platform verified it: the API's authenticated principal, the remediation rule, or for raw JSON
    /// the broker user RabbitMQ validated (the message's <c>user_id</c>).
    /// </summary>
    public required string Principal { get; init; }
    /// <summary>
    /// For raw JSON only: the name the publisher says it asks for (the body's <c>principal</c>). Nobody vouches for it,
    /// so it is shown and audited beside <see cref="Principal"/> and counts as the requester too: that name can never be
    /// the second person who confirms the request.
    /// </summary>
    public string? OnBehalfOf { get; init; }
    /// <summary>Where it came from: api, cli, alertmanager, bus.</summary>
    public string Source { get; init; } = "bus";
    public DateTimeOffset SubmittedAt { get; init; }
}
