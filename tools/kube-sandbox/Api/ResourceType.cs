namespace K8sAgentPlatform.KubeSandbox.Api;

/// <summary>One REST resource the sandbox serves (e.g. apps/v1 deployments).</summary>
public sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    string[] ShortNames,
    string[] Categories,
    string[] Subresources,
    bool HasGeneration)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The name API errors use: <c>pods</c>, <c>deployments.apps</c>.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The kind as Invalid errors spell it: <c>Pod</c>, <c>Deployment.apps</c>.</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    public bool HasStatus => Subresources.Contains("status");

    public bool HasScale => Subresources.Contains("scale");

    public override string ToString() => QualifiedPlural;
}

/// <summary>Every resource type the sandbox knows, in discovery order.</summary>
public static class ResourceTypes
{
    private static readonly string[] None = [];
    private static readonly string[] All = ["all"];

    public static readonly ResourceType Namespaces = new("", "v1", "namespaces", "namespace", "Namespace", false, ["ns"], None, ["status"], false);
    public static readonly ResourceType Nodes = new("", "v1", "nodes", "node", "Node", false, ["no"], None, ["status"], false);
    public static readonly ResourceType Pods = new("", "v1", "pods", "pod", "Pod", true, ["po"], All, ["eviction", "log", "status"], false);
    public static readonly ResourceType Services = new("", "v1", "services", "service", "Service", true, ["svc"], All, ["status"], false);
    public static readonly ResourceType ConfigMaps = new("", "v1", "configmaps", "configmap", "ConfigMap", true, ["cm"], None, None, false);
    public static readonly ResourceType Secrets = new("", "v1", "secrets", "secret", "Secret", true, None, None, None, false);
    public static readonly ResourceType Events = new("", "v1", "events", "event", "Event", true, ["ev"], None, None, false);
    public static readonly ResourceType Deployments = new("apps", "v1", "deployments", "deployment", "Deployment", true, ["deploy"], All, ["scale", "status"], true);
    public static readonly ResourceType ReplicaSets = new("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, ["rs"], All, ["scale", "status"], true);
    public static readonly ResourceType StatefulSets = new("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, ["sts"], All, ["scale", "status"], true);
    public static readonly ResourceType DaemonSets = new("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, ["ds"], All, ["status"], true);
    public static readonly ResourceType ControllerRevisions = new("apps", "v1", "controllerrevisions", "controllerrevision", "ControllerRevision", true, None, None, None, false);
    public static readonly ResourceType Jobs = new("batch", "v1", "jobs", "job", "Job", true, None, All, ["status"], true);
    public static readonly ResourceType CronJobs = new("batch", "v1", "cronjobs", "cronjob", "CronJob", true, ["cj"], All, ["status"], true);
    public static readonly ResourceType HorizontalPodAutoscalers = new("autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true, ["hpa"], All, ["status"], true);
    public static readonly ResourceType Ingresses = new("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true, ["ing"], None, ["status"], true);
    public static readonly ResourceType Leases = new("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, None, None, None, false);
    public static readonly ResourceType EndpointSlices = new("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, None, None, None, false);
    public static readonly ResourceType PodDisruptionBudgets = new("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, ["pdb"], None, ["status"], true);

    public static readonly IReadOnlyList<ResourceType> Known =
    [
        Namespaces, Nodes, Pods, Services, ConfigMaps, Secrets, Events,
        Deployments, ReplicaSets, StatefulSets, DaemonSets, ControllerRevisions,
        Jobs, CronJobs, HorizontalPodAutoscalers, Ingresses, PodDisruptionBudgets, Leases, EndpointSlices,
    ];

    /// <summary>Group versions in discovery order; the core group is the empty string.</summary>
    public static IEnumerable<(string Group, string Version)> GroupVersions =>
        Known.Select(t => (t.Group, t.Version)).Distinct();

    public static ResourceType? Find(string group, string version, string plural) =>
        Known.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);

    public static ResourceType? ByKind(string apiVersion, string kind) =>
        Known.FirstOrDefault(t => t.ApiVersion == apiVersion && t.Kind == kind);
}
