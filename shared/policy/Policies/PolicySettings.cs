using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Rules;

namespace K8sAgentPlatform.Policy.Policies;

/// <summary>How objects managed by Argo CD or Flux are treated: a sync would undo our change or our rollback.</summary>
public enum GitOpsMode
{
    Warn,
    Confirm,
    Refuse,
}

/// <summary>
/// The safety policy. Confirmation rules have no switches: policy may only add confirmation (production
/// changes, deletes there, node operations, high risk), so a file cannot turn them off. <see cref="Default"/> carries the brief's defaults; a policy file overrides them
/// key by key (see <see cref="PolicyFile"/>).
/// </summary>
public sealed record PolicySettings
{
    public IReadOnlyList<string> ProtectedNamespaces { get; init; } = ["kube-system", "kube-public", "kube-node-lease"];

    public string ProductionPattern { get; init; } = "^(prod|production|live|prd)-?.*$";

    /// <summary>Empty means every namespace that is not protected.</summary>
    public IReadOnlyList<string> AllowedNamespaces { get; init; } = [];

    public double MaxScaleFactor { get; init; } = 3.0;

    public int MaxReplicas { get; init; } = 50;

    public IReadOnlyList<string> ApprovedRegistries { get; init; } = ["gcr.io/my-project", "us-docker.pkg.dev/my-project", "registry.k8s.io"];

    public IReadOnlyList<string> MutableTags { get; init; } = ["latest", "main", "master"];

    public bool AllowNamespaceDeletion { get; init; }

    /// <summary>The lowest model risk level a node operation may carry; a lower one means the model misjudged it.</summary>
    public RiskLevel NodeOperationsMinRisk { get; init; } = RiskLevel.High;

    public GitOpsMode GitOpsMode { get; init; } = GitOpsMode.Confirm;

    /// <summary>
    /// From this policy risk on, the confirmer must be someone other than the requester (four eyes). Policy risk
    /// never falls below the model's estimate, so a model can only raise it.
    /// </summary>
    public RiskLevel FourEyesFrom { get; init; } = RiskLevel.High;

    public IReadOnlyList<string> ManifestAllowedKinds { get; init; } =
    [
        "Deployment", "StatefulSet", "DaemonSet", "Service", "ConfigMap", "Secret", "Ingress",
        "HorizontalPodAutoscaler", "Job", "CronJob", "PodDisruptionBudget", "ServiceAccount",
        "Role", "RoleBinding", "NetworkPolicy",
    ];

    /// <summary>The Pod Security Standards level every pod template in a manifest is held to, unless its namespace has its own.</summary>
    public PodSecurityLevel PodSecurityDefault { get; init; } = PodSecurityLevel.Baseline;

    /// <summary>Levels per namespace, overriding <see cref="PodSecurityDefault"/>.</summary>
    public IReadOnlyDictionary<string, PodSecurityLevel> PodSecurityNamespaces { get; init; } = new Dictionary<string, PodSecurityLevel>();

    /// <summary>Service types a manifest may hold; NodePort and LoadBalancer open the cluster's edge and are not in the default.</summary>
    public IReadOnlyList<string> ManifestServiceTypes { get; init; } = ["ClusterIP"];

    /// <summary>A Service's spec.externalIPs lets it claim any address for the whole cluster (CVE-2020-8554).</summary>
    public bool ManifestAllowExternalIps { get; init; }

    /// <summary>RoleBindings naming the platform's own ServiceAccounts (subjects in its namespace) would change what the platform can do.</summary>
    public bool ManifestAllowPlatformServiceAccounts { get; init; }

    public PodSecurityLevel PodSecurityLevelFor(string? ns) =>
        ns is not null && PodSecurityNamespaces.TryGetValue(ns, out var level) ? level : PodSecurityDefault;

    /// <summary>Send a server-side dry run (dryRun=All) of every mutation when a cluster is reachable.</summary>
    public bool DryRun { get; init; } = true;

    public static PolicySettings Default { get; } = new();

    // Keyed by pattern, not cached on the instance: `with` copies instance fields, so a cached regex
    // would outlive a changed ProductionPattern.
    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    public bool IsProduction(string? ns) =>
        ns is not null && Patterns.GetOrAdd(ProductionPattern, p => new Regex(p, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200))).IsMatch(ns);

    /// <summary>
    /// The platform's own namespace (its tokens, keys and service accounts live there). Protected like kube-system
    /// whatever <see cref="ProtectedNamespaces"/> says: it comes from the host's configuration
    /// (<c>Policy:PlatformNamespace</c>; the Helm chart sets the release namespace), never from the policy file.
    /// </summary>
    public string PlatformNamespace { get; init; } = DefaultPlatformNamespace;

    public const string DefaultPlatformNamespace = "k8s-agent";

    public bool IsProtected(string? ns) => ns is not null && (ProtectedNamespaces.Contains(ns, StringComparer.Ordinal) || string.Equals(ns, PlatformNamespace, StringComparison.Ordinal));

    public bool IsPlatformNamespace(string? ns) => string.Equals(ns, PlatformNamespace, StringComparison.Ordinal);

    public bool IsMutableTag(string tag) => MutableTags.Contains(tag, StringComparer.OrdinalIgnoreCase);
}
