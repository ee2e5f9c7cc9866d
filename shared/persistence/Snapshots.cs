using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Persistence;

/// <summary>
/// The state of one object right before the platform changed it: enough to put it back exactly, or to
/// re-create it when it was deleted (or to delete it when the change created it, <see cref="Existed"/> false).
/// </summary>
public sealed record SnapshotDocument
{
    /// <summary>Stable id, e.g. "snap-" + 16 hex characters; matches Bounds.SnapshotIdPattern.</summary>
    public required string Id { get; init; }
    public required Guid RequestId { get; init; }
    public required int OperationIndex { get; init; }
    /// <summary>The operation that was about to run.</summary>
    public required KubernetesOperation Operation { get; init; }
    /// <summary>Kubernetes kind and apiVersion of the object, e.g. Deployment, apps/v1.</summary>
    public required string Kind { get; init; }
    public required string ApiVersion { get; init; }
    public string? Namespace { get; init; }
    public required string Name { get; init; }
    /// <summary>
    /// The whole object as read, as JSON, without status and server-managed metadata (resourceVersion, uid,
    /// managedFields, creationTimestamp, generation). Null when the object did not exist.
    /// For a Secret this is the plain object in memory; stores keep it encrypted at rest.
    /// </summary>
    public string? ObjectJson { get; init; }
    /// <summary>The resourceVersion the object had when read; the change is made with it as a precondition.</summary>
    public string? ResourceVersion { get; init; }
    public bool Existed { get; init; } = true;
    public required DateTimeOffset CapturedAt { get; init; }
    public DateTimeOffset? RestoredAt { get; init; }
    /// <summary>True once restored: restoring it again is a no-op.</summary>
    public bool Consumed { get; init; }
    /// <summary>
    /// The object's managed state right after the change succeeded (recorded by the executor), the way
    /// <see cref="ObjectJson"/> is kept: a restore compares it with the live object to tell whether someone changed
    /// the object since. Null until recorded, and for changes whose result was not recorded (failed, multi-object).
    /// </summary>
    public string? AfterJson { get; init; }
}

/// <summary>Which snapshots to list; every filter is optional, newest first.</summary>
public sealed record SnapshotQuery(
    string? Namespace = null,
    string? Kind = null,
    string? Name = null,
    Guid? RequestId = null,
    bool? Consumed = null,
    int Limit = 100);

/// <summary>Snapshots, stored before every change (MongoDB in production, SQLite embedded).</summary>
public interface ISnapshotStore
{
    /// <summary>
    /// Stores a snapshot. Idempotent per (RequestId, OperationIndex): when one exists already it is returned
    /// unchanged, so a redelivered ExecuteOperation never replaces the true pre-change state.
    /// </summary>
    Task<SnapshotDocument> SaveAsync(SnapshotDocument snapshot, CancellationToken cancellationToken = default);

    Task<SnapshotDocument?> GetAsync(string id, CancellationToken cancellationToken = default);

    Task<SnapshotDocument?> FindForOperationAsync(Guid requestId, int operationIndex, CancellationToken cancellationToken = default);

    /// <summary>The newest snapshot of an object not yet restored (by capture time, never by a string).</summary>
    Task<SnapshotDocument?> LatestUnconsumedAsync(string kind, string? @namespace, string name, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<SnapshotDocument>> ListAsync(SnapshotQuery query, CancellationToken cancellationToken = default);

    /// <summary>Marks a snapshot restored; false when it already was (atomically: only one caller wins).</summary>
    Task<bool> MarkConsumedAsync(string id, DateTimeOffset restoredAt, CancellationToken cancellationToken = default);

    /// <summary>Records the state the change left (<see cref="SnapshotDocument.AfterJson"/>), sealed like the object for Secrets; false when no such snapshot.</summary>
    Task<bool> RecordAfterAsync(string id, string afterJson, CancellationToken cancellationToken = default);

    /// <summary>How many snapshots are not yet consumed (the active_snapshots gauge).</summary>
    Task<long> CountUnconsumedAsync(CancellationToken cancellationToken = default);
}

/// <summary>Maps the contract's resource types to Kubernetes kinds.</summary>
public static class Kinds
{
    public static (string Kind, string ApiVersion) Of(ResourceType type) => type switch
    {
        ResourceType.Deployment => ("Deployment", "apps/v1"),
        ResourceType.StatefulSet => ("StatefulSet", "apps/v1"),
        ResourceType.DaemonSet => ("DaemonSet", "apps/v1"),
        ResourceType.ReplicaSet => ("ReplicaSet", "apps/v1"),
        ResourceType.Service => ("Service", "v1"),
        ResourceType.ConfigMap => ("ConfigMap", "v1"),
        ResourceType.Secret => ("Secret", "v1"),
        ResourceType.Ingress => ("Ingress", "networking.k8s.io/v1"),
        ResourceType.HorizontalPodAutoscaler => ("HorizontalPodAutoscaler", "autoscaling/v2"),
        ResourceType.Namespace => ("Namespace", "v1"),
        ResourceType.Job => ("Job", "batch/v1"),
        ResourceType.CronJob => ("CronJob", "batch/v1"),
        ResourceType.Pod => ("Pod", "v1"),
        ResourceType.Node => ("Node", "v1"),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static (string Kind, string ApiVersion) Of(ResourceRef resource) => Of(resource.ResourceType);
}
