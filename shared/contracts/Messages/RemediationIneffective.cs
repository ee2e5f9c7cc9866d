namespace K8sAgentPlatform.Contracts;

/// <summary>
/// Event: an alert-driven remediation completed but its alert was still firing when the effectiveness window
/// closed. The same rule is not run again on the same resource until the alert resolves or an operator clears it.
/// </summary>
public sealed record RemediationIneffective
{
    /// <summary>The request that carried the remediation.</summary>
    public required Guid RequestId { get; init; }
    /// <summary>The remediation rule that matched.</summary>
    public required string Rule { get; init; }
    /// <summary>The alert's fingerprint as Alertmanager computes it.</summary>
    public required string Fingerprint { get; init; }
    /// <summary>What the remediation acted on, e.g. "deployment/web in staging".</summary>
    public required string Resource { get; init; }
    public required IReadOnlyDictionary<string, string> AlertLabels { get; init; }
    public required DateTimeOffset CompletedAt { get; init; }
    public required DateTimeOffset CheckedAt { get; init; }
}
