namespace K8sAgentPlatform.Policy.Rules;

/// <summary>Every rule id in one place; they are part of the output contract and documented in the README.</summary>
public static class RuleIds
{
    public const string IntentValid = "intent.valid";
    public const string ProtectedNamespace = "namespace.protected";
    public const string AllowedNamespace = "namespace.allowed";
    public const string Dns1123 = "name.dns1123";
    public const string ParametersFit = "parameters.fit";
    public const string CrossNamespaceDelete = "delete.cross_namespace";
    public const string NodeOperation = "node.operation";
    public const string NamespaceDeletion = "delete.namespace";
    public const string ProductionDelete = "delete.production_confirmation";
    public const string ProductionMutation = "confirmation.production";
    public const string ModelConfirmation = "confirmation.model";
    public const string RiskConfirmation = "confirmation.risk";
    public const string FourEyes = "confirmation.four_eyes";
    public const string MaxReplicas = "scale.max_replicas";
    public const string ImageReference = "image.reference";
    public const string ImageRegistry = "image.registry";
    public const string MutableTag = "image.mutable_tag";
    public const string ManifestParse = "manifest.parse";
    public const string ManifestKind = "manifest.kind";
    public const string ManifestNamespace = "manifest.namespace";
    public const string ManifestClusterScoped = "manifest.cluster_scoped";
    public const string ManifestRbac = "manifest.rbac";
    public const string ManifestServiceExposure = "manifest.service_exposure";
    public const string ManifestPlatformServiceAccount = "manifest.platform_service_account";
    public const string LiveExists = "live.exists";
    public const string LiveContainer = "live.container";
    public const string LiveScaleFactor = "live.scale_factor";
    public const string LivePdb = "live.pdb";
    public const string GitOps = "live.gitops";
    public const string DryRun = "live.dry_run";
    public const string ApiFailure = "live.api";
    public const string ChangedSinceSnapshot = "live.changed_since_change";

    /// <summary>The rule id a reason starts with ("[scale.max_replicas] ..."); "policy_violation" when it names none.</summary>
    public static string Of(string reason) =>
        reason.StartsWith('[') && reason.IndexOf(']') is > 1 and var end ? reason[1..end] : "policy_violation";
}
