using System.Text.Json.Serialization;

namespace K8sAgentPlatform.Contracts.Intent;

/// <summary>What an operation does. The JSON names are part of the contract.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OperationType>))]
public enum OperationType
{
    [JsonStringEnumMemberName("scale")] Scale,
    [JsonStringEnumMemberName("restart")] Restart,
    [JsonStringEnumMemberName("update_image")] UpdateImage,
    [JsonStringEnumMemberName("update_config")] UpdateConfig,
    [JsonStringEnumMemberName("delete")] Delete,
    [JsonStringEnumMemberName("get_status")] GetStatus,
    [JsonStringEnumMemberName("get_logs")] GetLogs,
    [JsonStringEnumMemberName("apply_manifest")] ApplyManifest,
    [JsonStringEnumMemberName("rollback")] Rollback,
    [JsonStringEnumMemberName("cordon_node")] CordonNode,
    [JsonStringEnumMemberName("uncordon_node")] UncordonNode,
    [JsonStringEnumMemberName("drain_node")] DrainNode,
}

/// <summary>The kind of object an operation targets. The JSON names are part of the contract.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResourceType>))]
public enum ResourceType
{
    [JsonStringEnumMemberName("deployment")] Deployment,
    [JsonStringEnumMemberName("statefulset")] StatefulSet,
    [JsonStringEnumMemberName("daemonset")] DaemonSet,
    [JsonStringEnumMemberName("replicaset")] ReplicaSet,
    [JsonStringEnumMemberName("service")] Service,
    [JsonStringEnumMemberName("configmap")] ConfigMap,
    [JsonStringEnumMemberName("secret")] Secret,
    [JsonStringEnumMemberName("ingress")] Ingress,
    [JsonStringEnumMemberName("horizontalpodautoscaler")] HorizontalPodAutoscaler,
    [JsonStringEnumMemberName("namespace")] Namespace,
    [JsonStringEnumMemberName("job")] Job,
    [JsonStringEnumMemberName("cronjob")] CronJob,
    [JsonStringEnumMemberName("pod")] Pod,
    [JsonStringEnumMemberName("node")] Node,
}

/// <summary>Estimated risk of an intent or operation, lowest first.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RiskLevel>))]
public enum RiskLevel
{
    [JsonStringEnumMemberName("low")] Low,
    [JsonStringEnumMemberName("medium")] Medium,
    [JsonStringEnumMemberName("high")] High,
    [JsonStringEnumMemberName("critical")] Critical,
}
