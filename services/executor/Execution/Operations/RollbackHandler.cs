using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Persistence;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Executor.Execution.Operations;

/// <summary>rollback: to a snapshot, or to an earlier revision of a workload's rollout history.</summary>
internal sealed class RollbackHandler(
    ChangeRunner runner,
    KubernetesObjects objects,
    SnapshotRestorer restorer,
    ISnapshotStore snapshots,
    IOptions<ExecutorOptions> options,
    TimeProvider time) : IOperationHandler
{
    private readonly ExecutorOptions settings = options.Value;

    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    public OperationType Type => OperationType.Rollback;

    /// <summary>To a snapshot (restored exactly, then marked consumed), or to a revision of the rollout history.</summary>
    public Task<Outcome> ExecuteAsync(Run run)
    {
        var parameters = run.Operation.Parameters as RollbackParameters ?? new RollbackParameters();
        return parameters.SnapshotId is { } snapshotId
            ? RollbackToSnapshotAsync(run, snapshotId)
            : RollbackToRevisionAsync(run, parameters.Revision);
    }

    private async Task<Outcome> RollbackToSnapshotAsync(Run run, string snapshotId)
    {
        var ct = run.CancellationToken;
        var snapshot = await snapshots.GetAsync(snapshotId, ct);
        if (snapshot is null)
        {
            return Outcome.Failed($"snapshot {snapshotId} does not exist");
        }

        var (kind, _) = Kinds.Of(run.Type);
        if (snapshot.Kind != kind || snapshot.Name != run.Name || snapshot.Namespace != run.Namespace)
        {
            return Outcome.Failed($"snapshot {snapshotId} holds {snapshot.Kind} {snapshot.Name}{(snapshot.Namespace is null ? "" : $" in {snapshot.Namespace}")}, not {run.Target}");
        }

        if (snapshot.Consumed)
        {
            return Outcome.Ok($"snapshot {snapshotId} was restored already (at {snapshot.RestoredAt:u}); nothing to do");
        }

        if (run.Command.DryRun)
        {
            return Outcome.Ok($"dry run: snapshot {snapshotId} of {run.Target} can be restored");
        }

        // This rollback is a change too: its own snapshot makes it reversible.
        var current = await objects.ReadAsync(run.Type, run.Namespace, run.Name, ct);
        if (run.Interrupted is not null && Restored(snapshot, current))
        {
            // Interrupted after the restore: the object holds the snapshot's state already; restoring is not repeated.
            run.SnapshotId = run.Interrupted.SnapshotId;
            await snapshots.MarkConsumedAsync(snapshotId, time.GetUtcNow(), ct);
            return Outcome.Ok($"snapshot {snapshotId} restored (before an interruption of the executor)");
        }

        await runner.SaveSnapshotAsync(run, current, existed: current is not null);
        var restored = await restorer.RestoreAsync(snapshot, settings.Verification, ct);
        if (!restored.Success)
        {
            return Outcome.Failed(restored.Message, restored.Evidence);
        }

        await snapshots.MarkConsumedAsync(snapshotId, time.GetUtcNow(), ct);
        return await runner.RecordAfterAsync(run, Outcome.Ok($"snapshot {snapshotId} restored: {restored.Message}"));
    }

    private static bool Restored(SnapshotDocument snapshot, JsonObject? live) =>
        snapshot.Existed
            ? live is not null && snapshot.ObjectJson is { } json && ManagedState.Same(JsonNode.Parse(json)!.AsObject(), live)
            : live is null;

    /// <summary>Like kubectl rollout undo: the pod template of an earlier revision becomes the current one.</summary>
    private Task<Outcome> RollbackToRevisionAsync(Run run, int? revision)
    {
        JsonNode? template = null;
        long chosen = 0;
        return runner.ChangeCheckedAsync(run,
            async current =>
            {
                if (run.OnlyFor(ResourceType.Deployment, ResourceType.StatefulSet, ResourceType.DaemonSet) is { } wrongType)
                {
                    return wrongType + " (for other objects, roll back to a snapshot id)";
                }

                var history = await History(run, current);
                var currentRevision = run.Type == ResourceType.Deployment && long.TryParse(current["metadata"]?["annotations"]?[RevisionAnnotation]?.GetValue<string>(), out var r)
                    ? r
                    : history.Count == 0 ? 0 : history.Max(h => h.Revision);
                var target = revision is { } wanted
                    ? history.FirstOrDefault(h => h.Revision == wanted)
                    : history.Where(h => h.Revision < currentRevision).MaxBy(h => h.Revision);
                if (target is null)
                {
                    return revision is null
                        ? "there is no earlier revision to roll back to"
                        : $"revision {revision} is not in the history (revisions: {string.Join(", ", history.Select(h => h.Revision).Order())})";
                }

                chosen = target.Revision;
                template = target.Template;
                return (string?)null;
            },
            async (current, dryRun) =>
            {
                var patch = new JsonArray(
                    new JsonObject { ["op"] = "replace", ["path"] = "/spec/template", ["value"] = template!.DeepClone() },
                    new JsonObject { ["op"] = "replace", ["path"] = "/metadata/resourceVersion", ["value"] = current.ResourceVersion() });
                await objects.PatchAsync(run.Type, run.Namespace, run.Name, new V1Patch(patch.ToJsonString(), V1Patch.PatchType.JsonPatch), dryRun, run.CancellationToken);
            },
            _ => runner.VerifyRolloutAsync(run, $"{run.Target} rolled back to revision {chosen}"),
            // The target revision is chosen from the history, which the rollback itself changes: an interrupted
            // rollback cannot tell from the live object whether it went through, so it is never applied again.
            _ => false);
    }

    private sealed record HistoryEntry(long Revision, JsonNode Template);

    /// <summary>The revisions of a workload: replicasets for a deployment, controller revisions otherwise.</summary>
    private async Task<IReadOnlyList<HistoryEntry>> History(Run run, JsonObject owner)
    {
        var uid = owner["metadata"]?["uid"]?.GetValue<string>();
        var ns = run.Namespace!;
        if (run.Type == ResourceType.Deployment)
        {
            var sets = await objects.Client.AppsV1.ListNamespacedReplicaSetAsync(namespaceParameter: ns,
                labelSelector: LabelSelectors.FromSpec(owner), cancellationToken: run.CancellationToken);
            return sets.Items
                .Where(rs => rs.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == uid) == true)
                .Select(rs => (rs, long.TryParse(rs.Metadata.Annotations?.TryGetValue(RevisionAnnotation, out var v) == true ? v : null, out var n) ? n : 0))
                .Where(p => p.Item2 > 0)
                .Select(p =>
                {
                    var template = JsonNode.Parse(KubernetesJson.Serialize(p.rs.Spec.Template))!.AsObject();
                    // The hash label belongs to the replicaset; the deployment's controller adds it back.
                    (template["metadata"]?["labels"] as JsonObject)?.Remove("pod-template-hash");
                    return new HistoryEntry(p.Item2, template);
                })
                .ToArray();
        }

        var revisions = await objects.Client.AppsV1.ListNamespacedControllerRevisionAsync(namespaceParameter: ns, cancellationToken: run.CancellationToken);
        return revisions.Items
            .Where(cr => cr.Metadata.OwnerReferences?.Any(o => o.Uid == uid) == true)
            .Select(cr => (cr.Revision, Template: JsonNode.Parse(KubernetesJson.Serialize(cr.Data))?["spec"]?["template"]))
            .Where(p => p.Template is not null)
            .Select(p => new HistoryEntry(p.Revision ?? 0, p.Template!.DeepClone()))
            .ToArray();
    }
}
