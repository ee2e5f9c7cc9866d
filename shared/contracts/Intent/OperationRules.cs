using System.Collections.Frozen;

namespace K8sAgentPlatform.Contracts.Intent;

/// <summary>What the contract allows per operation type: its parameter variant and the resource types it fits.</summary>
public static class OperationRules
{
    private static readonly ResourceType[] Workloads = [ResourceType.Deployment, ResourceType.StatefulSet, ResourceType.DaemonSet];
    private static readonly ResourceType[] AllButNode = Enum.GetValues<ResourceType>().Where(r => r != ResourceType.Node).ToArray();
    private static readonly ResourceType[] NodeOnly = [ResourceType.Node];

    private static readonly FrozenDictionary<OperationType, (Type? Parameters, ResourceType[] Resources)> Table =
        new Dictionary<OperationType, (Type?, ResourceType[])>
        {
            [OperationType.Scale] = (typeof(ScaleParameters), [ResourceType.Deployment, ResourceType.StatefulSet, ResourceType.ReplicaSet]),
            [OperationType.Restart] = (null, Workloads),
            [OperationType.UpdateImage] = (typeof(UpdateImageParameters), Workloads),
            [OperationType.UpdateConfig] = (typeof(UpdateConfigParameters), [ResourceType.ConfigMap, ResourceType.Secret]),
            [OperationType.Delete] = (null, AllButNode),
            [OperationType.GetStatus] = (null, Enum.GetValues<ResourceType>()),
            [OperationType.GetLogs] = (typeof(GetLogsParameters), [.. Workloads, ResourceType.Pod, ResourceType.Job]),
            [OperationType.ApplyManifest] = (typeof(ApplyManifestParameters), AllButNode.Where(r => r != ResourceType.Namespace).ToArray()),
            [OperationType.Rollback] = (typeof(RollbackParameters), AllButNode),
            [OperationType.CordonNode] = (null, NodeOnly),
            [OperationType.UncordonNode] = (null, NodeOnly),
            [OperationType.DrainNode] = (typeof(DrainNodeParameters), NodeOnly),
        }.ToFrozenDictionary();

    /// <summary>The parameter variant of an operation type, or null when it takes none.</summary>
    public static Type? ParametersFor(OperationType type) => Table[type].Parameters;

    public static IReadOnlyList<ResourceType> ResourcesFor(OperationType type) => Table[type].Resources;

    /// <summary>Every parameter variant, in a stable order (the schema lists them in this order).</summary>
    public static IReadOnlyList<Type> AllParameterTypes { get; } =
        Table.Values.Select(v => v.Parameters).OfType<Type>().Distinct().OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();

    public static bool IsMutating(this OperationType type) => type is not (OperationType.GetStatus or OperationType.GetLogs);

    public static bool IsNodeOperation(this OperationType type) =>
        type is OperationType.CordonNode or OperationType.UncordonNode or OperationType.DrainNode;

    /// <summary>Nodes and namespaces live outside any namespace.</summary>
    public static bool IsClusterScoped(this ResourceType type) => type is ResourceType.Node or ResourceType.Namespace;
}
