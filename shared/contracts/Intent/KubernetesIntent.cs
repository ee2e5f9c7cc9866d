using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace K8sAgentPlatform.Contracts.Intent;

/// <summary>
/// What a request asks for, as typed, bounded operations. Build it with <see cref="Create"/> or read it
/// with <see cref="IntentJson"/>; both check every bound and report every violation with its path.
/// </summary>
[JsonConverter(typeof(IntentJsonConverter))]
public sealed record KubernetesIntent
{
    [JsonPropertyName("original_request"), Length(0, Bounds.MaxOriginalRequest)]
    [Description("The operator's request, verbatim.")]
    public required string OriginalRequest { get; init; }

    [JsonPropertyName("operations"), Length(1, Bounds.MaxOperations)]
    [Description("The operations that fulfil the request, in the order they must run.")]
    public required IReadOnlyList<KubernetesOperation> Operations { get; init; }

    [JsonPropertyName("estimated_risk_level")]
    [Description("low: read-only or non-production; medium: config changes in staging, scaling in production within normal bounds; high: production image updates, scaling beyond 2x; critical: deletions in production, node operations, namespace-wide changes.")]
    public required RiskLevel EstimatedRiskLevel { get; init; }

    [JsonPropertyName("summary"), Length(Bounds.MinSummary, Bounds.MaxSummary)]
    [Description("One or two sentences describing the whole change (10 to 500 characters).")]
    public required string Summary { get; init; }

    /// <summary>Builds an intent and checks it; throws <see cref="IntentValidationException"/> with every violation.</summary>
    public static KubernetesIntent Create(string originalRequest, IReadOnlyList<KubernetesOperation> operations, RiskLevel risk, string summary)
    {
        var intent = new KubernetesIntent
        {
            OriginalRequest = originalRequest,
            Operations = operations,
            EstimatedRiskLevel = risk,
            Summary = summary,
        };
        IntentValidator.ThrowIfInvalid(intent);
        return intent;
    }

    /// <summary>True when any operation changes the cluster.</summary>
    public bool IsMutating => Operations.Any(o => o.OperationType.IsMutating());
}

/// <summary>One typed operation on one object.</summary>
[JsonConverter(typeof(OperationJsonConverter))]
public sealed record KubernetesOperation
{
    [JsonPropertyName("operation_type")]
    public required OperationType OperationType { get; init; }

    [JsonPropertyName("resource_type")]
    public required ResourceType ResourceType { get; init; }

    [JsonPropertyName("resource_name"), Length(1, Bounds.MaxResourceName)]
    [Format(Bounds.DnsSubdomainPattern, "a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit")]
    [Description("The object's name (DNS-1123 subdomain, at most 253 characters).")]
    public required string ResourceName { get; init; }

    [JsonPropertyName("namespace"), Length(1, Bounds.MaxNamespace)]
    [Format(Bounds.DnsLabelPattern, "a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit")]
    [Description("The namespace (DNS-1123 label, at most 63 characters); null for nodes, which have none.")]
    public required string? Namespace { get; init; }

    [JsonPropertyName("parameters")]
    [Description("The parameters of this operation type; null for types without parameters.")]
    public required OperationParameters? Parameters { get; init; }

    [JsonPropertyName("reason"), Length(Bounds.MinReason, Bounds.MaxReason)]
    [Description("Why this operation is needed (10 to 500 characters).")]
    public required string Reason { get; init; }

    [JsonPropertyName("requires_confirmation")]
    [Description("Whether a human should confirm before it runs. Policy may raise this, never lower it.")]
    public required bool RequiresConfirmation { get; init; }

    /// <summary>"deployment/web in staging" or "node/worker-1".</summary>
    public string Target => Namespace is null
        ? $"{WireNames.Of(ResourceType)}/{ResourceName}"
        : $"{WireNames.Of(ResourceType)}/{ResourceName} in {Namespace}";
}
