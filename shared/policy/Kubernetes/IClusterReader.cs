using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Policy.Kubernetes;

/// <summary>What policy reads from a cluster. Implementations report "not found" as null and throw
/// <see cref="ClusterApiException"/> (or any exception) for other failures; policy turns those into reasons.</summary>
public interface IClusterReader
{
    /// <summary>The object an operation targets; null when the API answers 404.</summary>
    Task<LiveObject?> GetAsync(ResourceType type, string? ns, string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<LivePod>> ListPodsOnNodeAsync(string node, CancellationToken cancellationToken);

    Task<IReadOnlyList<LiveDisruptionBudget>> ListDisruptionBudgetsAsync(string ns, CancellationToken cancellationToken);

    /// <summary>
    /// Sends the exact request the executor will send, with dryRun=All; when it passes, the diff says what it changes
    /// (the live object against the server's result, a Secret's values masked).
    /// </summary>
    Task<DryRunResult> DryRunAsync(KubernetesOperation operation, CancellationToken cancellationToken);
}

/// <summary>What the dry run said, and what the change does to the object (empty when there is nothing to compare).</summary>
public sealed record DryRunResult(DryRunOutcome Outcome, IReadOnlyList<FieldChange> Diff)
{
    public static implicit operator DryRunResult(DryRunOutcome outcome) => new(outcome, []);
}

/// <summary>The parts of a live object that policy looks at. Secret data is never read into it.</summary>
public sealed record LiveObject
{
    public string? ResourceVersion { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
    /// <summary>spec.replicas of a scalable workload; null when unset or not scalable.</summary>
    public int? Replicas { get; init; }
    /// <summary>Names of the pod template's containers and init containers.</summary>
    public IReadOnlyList<string> Containers { get; init; } = [];
}

public sealed record LivePod(string Namespace, string Name, IReadOnlyDictionary<string, string> Labels, bool OwnedByDaemonSet);

public sealed record LabelRequirement(string Key, string Operator, IReadOnlyList<string> Values);

public sealed record LiveDisruptionBudget(
    string Namespace,
    string Name,
    IReadOnlyDictionary<string, string> MatchLabels,
    IReadOnlyList<LabelRequirement> MatchExpressions,
    int DisruptionsAllowed)
{
    /// <summary>Label selector semantics: every matchLabels pair and every expression must hold.</summary>
    public bool Selects(LivePod pod) =>
        pod.Namespace == Namespace
        && MatchLabels.All(l => pod.Labels.TryGetValue(l.Key, out var v) && v == l.Value)
        && MatchExpressions.All(e => e.Operator switch
        {
            "In" => pod.Labels.TryGetValue(e.Key, out var v) && e.Values.Contains(v),
            "NotIn" => !pod.Labels.TryGetValue(e.Key, out var v) || !e.Values.Contains(v),
            "Exists" => pod.Labels.ContainsKey(e.Key),
            "DoesNotExist" => !pod.Labels.ContainsKey(e.Key),
            _ => false,
        });
}

/// <summary>A failed API call, with the HTTP status when there was one and the server's Status message.</summary>
public sealed class ClusterApiException(int? statusCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int? StatusCode { get; } = statusCode;
}

/// <summary>
/// A live check a service adds to the built-in ones (registered in the container): it runs for every mutating operation
/// whose other checks passed, may reject or ask for confirmation, and fails closed (an exception rejects the operation).
/// </summary>
public interface ILiveOperationCheck
{
    Task CheckAsync(Rules.OperationContext context, Rules.OperationFindings findings, CancellationToken cancellationToken);
}
