using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace K8sAgentPlatform.Contracts.Intent;

/// <summary>
/// The parameters of an operation. The variant is chosen by the operation type, never guessed from
/// the fields (see <see cref="OperationRules.ParametersFor"/>), so no variant can swallow another's input.
/// </summary>
public abstract record OperationParameters;

[Description("Parameters of scale.")]
public sealed record ScaleParameters : OperationParameters
{
    [JsonPropertyName("replicas"), Range(0, Bounds.MaxReplicas)]
    [Description("Target replica count, 0 to 100.")]
    public required int Replicas { get; init; }
}

[Description("Parameters of update_image.")]
public sealed record UpdateImageParameters : OperationParameters
{
    [JsonPropertyName("container_name"), Length(1, Bounds.MaxNamespace)]
    [Format(Bounds.DnsLabelPattern, "a container name (DNS-1123 label)")]
    [Description("The container whose image changes.")]
    public required string ContainerName { get; init; }

    [JsonPropertyName("image"), Length(1, Bounds.MaxImage)]
    [Format(Bounds.ImagePattern, "an image repository such as registry.k8s.io/web, without tag or digest")]
    [Description("The image repository including its registry host, without tag or digest, e.g. registry.k8s.io/web.")]
    public required string Image { get; init; }

    [JsonPropertyName("tag"), Length(1, Bounds.MaxTag)]
    [Format(Bounds.TagPattern, "an image tag (letters, digits, '_', '.', '-', at most 128) or a digest sha256:<64 hex>")]
    [Description("The tag, e.g. 1.2.3, or a digest sha256:<64 hex digits>.")]
    public required string Tag { get; init; }

    /// <summary>The full reference as a container spec carries it.</summary>
    public string Reference => Tag.StartsWith("sha256:", StringComparison.Ordinal) ? $"{Image}@{Tag}" : $"{Image}:{Tag}";
}

[Description("Parameters of update_config.")]
public sealed record UpdateConfigParameters : OperationParameters
{
    [JsonPropertyName("configmap_name"), Length(1, Bounds.MaxResourceName)]
    [Format(Bounds.DnsSubdomainPattern, "a DNS-1123 subdomain")]
    [Description("The ConfigMap (or Secret) holding the key; the same as resource_name.")]
    public required string ConfigmapName { get; init; }

    [JsonPropertyName("key"), Length(1, Bounds.MaxResourceName)]
    [Format(Bounds.ConfigKeyPattern, "a config key: letters, digits, '-', '_' and '.'")]
    [Description("The key to set.")]
    public required string Key { get; init; }

    [JsonPropertyName("value"), Length(0, Bounds.MaxConfigValue)]
    [Description("The new value (at most 10000 characters).")]
    public required string Value { get; init; }
}

[Description("Parameters of get_logs.")]
public sealed record GetLogsParameters : OperationParameters
{
    [JsonPropertyName("container_name"), Length(1, Bounds.MaxNamespace)]
    [Format(Bounds.DnsLabelPattern, "a container name (DNS-1123 label)")]
    [Description("The container; null for the only or default container.")]
    public string? ContainerName { get; init; }

    [JsonPropertyName("tail_lines"), Range(1, Bounds.MaxTailLines)]
    [Description("How many of the last lines, 1 to 10000; null means 100.")]
    public int? TailLines { get; init; }

    [JsonPropertyName("since_seconds"), Range(1, Bounds.MaxSinceSeconds)]
    [Description("Only lines newer than this many seconds, 1 to 86400; null for no limit.")]
    public int? SinceSeconds { get; init; }

    public int EffectiveTailLines => TailLines ?? Bounds.DefaultTailLines;
}

[Description("Parameters of rollback: a revision or a snapshot id, or neither for the previous revision.")]
public sealed record RollbackParameters : OperationParameters
{
    [JsonPropertyName("revision"), Range(1, int.MaxValue)]
    [Description("The rollout revision to return to; null for the previous one.")]
    public int? Revision { get; init; }

    [JsonPropertyName("snapshot_id")]
    [Format(Bounds.SnapshotIdPattern, "a snapshot id (letters, digits, '-' and '_', at most 64)")]
    [Description("A snapshot to restore instead of a revision.")]
    public string? SnapshotId { get; init; }
}

[Description("Parameters of apply_manifest.")]
public sealed record ApplyManifestParameters : OperationParameters
{
    [JsonPropertyName("manifest"), Length(1, Bounds.MaxManifestBytes), MaxBytes(Bounds.MaxManifestBytes)]
    [Description("The YAML manifest (one or more documents, at most 64 KiB).")]
    public required string Manifest { get; init; }
}

[Description("Parameters of drain_node.")]
public sealed record DrainNodeParameters : OperationParameters
{
    [JsonPropertyName("grace_period_seconds"), Range(0, Bounds.MaxGracePeriodSeconds)]
    [Description("Seconds each pod gets to stop; null for the pod's own setting.")]
    public int? GracePeriodSeconds { get; init; }

    [JsonPropertyName("ignore_daemonsets")]
    [Description("Leave DaemonSet pods in place; null means true.")]
    public bool? IgnoreDaemonsets { get; init; }

    [JsonPropertyName("delete_emptydir_data")]
    [Description("Evict pods using emptyDir volumes (their data is lost); null means false.")]
    public bool? DeleteEmptydirData { get; init; }
}
