using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Executor.Execution.Operations;

/// <summary>drain_node: cordon the node, then evict its pods.</summary>
internal sealed class DrainNodeHandler(ChangeRunner runner, KubernetesObjects objects, IOptions<ExecutorOptions> options, TimeProvider time) : IOperationHandler
{
    private const string MirrorAnnotation = "kubernetes.io/config.mirror";

    private readonly ExecutorOptions settings = options.Value;

    public OperationType Type => OperationType.DrainNode;

    /// <summary>
    /// Like kubectl drain: cordon, then evict every pod on the node except DaemonSet and mirror pods, backing off
    /// while a disruption budget says no (429), within a bounded time. The snapshot is the node before the
    /// cordon; a rollback uncordons it (evicted pods have been re-created elsewhere by their controllers).
    /// </summary>
    public async Task<Outcome> ExecuteAsync(Run run)
    {
        var ct = run.CancellationToken;
        var parameters = run.Operation.Parameters as DrainNodeParameters ?? new DrainNodeParameters();
        var pods = await PodsOnNodeAsync(run.Name, ct);
        var daemons = pods.Where(IsDaemonSetPod).ToArray();
        if (daemons.Length > 0 && parameters.IgnoreDaemonsets == false)
        {
            return Outcome.Failed($"{run.Target} runs DaemonSet pods ({Names(daemons)}); they cannot be drained (ignore_daemonsets=false)");
        }

        var evictable = pods.Where(p => !IsDaemonSetPod(p) && !IsMirror(p)).ToArray();
        var blockers = new List<string>();
        var bare = evictable.Where(p => p.Metadata.OwnerReferences?.Any(o => o.Controller == true) != true).ToArray();
        if (bare.Length > 0)
        {
            blockers.Add($"pods without a controller would not come back ({Names(bare)})");
        }

        var local = evictable.Where(p => p.Spec.Volumes?.Any(v => v.EmptyDir is not null) == true).ToArray();
        if (local.Length > 0 && parameters.DeleteEmptydirData != true)
        {
            blockers.Add($"pods with emptyDir data would lose it ({Names(local)}; delete_emptydir_data=true allows it)");
        }

        if (blockers.Count > 0)
        {
            return Outcome.Failed($"{run.Target} was not drained: {string.Join("; ", blockers)}");
        }

        return await runner.ChangeAsync(run,
            _ => run.OnlyFor(ResourceType.Node),
            async (current, dryRun) =>
            {
                await objects.PatchAsync(ResourceType.Node, null, run.Name,
                    ChangeRunner.Patch(ExecutorRequests.CordonPatch(true), V1Patch.PatchType.StrategicMergePatch, current), dryRun, ct);
                if (dryRun)
                {
                    foreach (var pod in evictable)
                    {
                        await EvictAsync(pod, parameters.GracePeriodSeconds, dryRun: true, ct);
                    }
                }
            },
            async _ =>
            {
                // Listed again once cordoned, like kubectl: a pod scheduled meanwhile is drained too.
                var now = (await PodsOnNodeAsync(run.Name, ct))
                    .Where(p => !IsDaemonSetPod(p) && !IsMirror(p))
                    .Where(p => evictable.Any(e => e.Metadata.Uid == p.Metadata.Uid) || Evictable(p, parameters))
                    .ToArray();
                return await EvictAllAsync(run, now, daemons.Length, parameters.GracePeriodSeconds);
            },
            // Cordoned already: evicting what is left is the verification, and evicting again is harmless.
            live => live?["spec"]?["unschedulable"]?.GetValue<bool>() == true);
    }

    private async Task<Outcome> EvictAllAsync(Run run, IReadOnlyList<V1Pod> pods, int skipped, int? gracePeriodSeconds)
    {
        var ct = run.CancellationToken;
        var deadline = time.GetUtcNow() + settings.DrainTimeout;
        var pending = pods.ToList();
        var refusals = new Dictionary<string, string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            foreach (var pod in pending.ToArray())
            {
                var refusal = await EvictAsync(pod, gracePeriodSeconds, dryRun: false, ct);
                if (refusal is null)
                {
                    pending.Remove(pod);
                    refusals.Remove(pod.Metadata.Name);
                }
                else
                {
                    refusals[pod.Metadata.Name] = refusal;
                }
            }

            if (pending.Count == 0)
            {
                break;
            }

            if (time.GetUtcNow() >= deadline)
            {
                return Outcome.Failed(
                    $"{run.Target} is cordoned but not drained: {pending.Count} pod(s) could not be evicted within {settings.DrainTimeout.TotalSeconds:0.#} s",
                    refusals.Select(r => $"pod/{r.Key}: {r.Value}").ToArray());
            }

            await Task.Delay(settings.EvictionRetryInterval, time, ct);
        }

        // Evicted pods terminate; the drain is done when none of them is left on the node.
        while (true)
        {
            var left = (await PodsOnNodeAsync(run.Name, ct)).Where(p => pods.Any(e => e.Metadata.Uid == p.Metadata.Uid)).ToArray();
            if (left.Length == 0)
            {
                break;
            }

            if (time.GetUtcNow() >= deadline)
            {
                return Outcome.Failed($"{run.Target} is cordoned but {left.Length} evicted pod(s) still run on it after {settings.DrainTimeout.TotalSeconds:0.#} s", [Names(left)]);
            }

            await Task.Delay(settings.Verification.PollInterval, time, ct);
        }

        return Outcome.Ok($"{run.Target} cordoned and drained: {pods.Count} pod(s) evicted{(pods.Count > 0 ? $" ({Names(pods)})" : "")}, {skipped} DaemonSet pod(s) left in place");
    }

    /// <summary>Null when evicted (or already gone); else why not (a disruption budget, most often).</summary>
    private async Task<string?> EvictAsync(V1Pod pod, int? gracePeriodSeconds, bool dryRun, CancellationToken ct)
    {
        var eviction = new V1Eviction
        {
            Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty },
            DeleteOptions = new V1DeleteOptions { GracePeriodSeconds = gracePeriodSeconds, DryRun = dryRun ? [ChangeRunner.DryRunAll] : null },
        };
        try
        {
            await objects.Client.CoreV1.CreateNamespacedPodEvictionAsync(body: eviction, name: pod.Metadata.Name, namespaceParameter: pod.Metadata.NamespaceProperty, dryRun: dryRun ? ChangeRunner.DryRunAll : null, cancellationToken: ct);
            return null;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return ApiErrors.Message(e);
        }
    }

    private async Task<IReadOnlyList<V1Pod>> PodsOnNodeAsync(string node, CancellationToken ct) =>
        (await objects.Client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: $"spec.nodeName={node}", cancellationToken: ct)).Items
            .Where(p => p.Status?.Phase is not ("Succeeded" or "Failed"))
            .ToArray();

    /// <summary>A pod that comes back elsewhere and loses no data it was not allowed to lose.</summary>
    private static bool Evictable(V1Pod pod, DrainNodeParameters parameters) =>
        pod.Metadata.OwnerReferences?.Any(o => o.Controller == true) == true
        && (parameters.DeleteEmptydirData == true || pod.Spec.Volumes?.Any(v => v.EmptyDir is not null) != true);

    private static bool IsDaemonSetPod(V1Pod pod) => pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Kind == "DaemonSet") == true;

    private static bool IsMirror(V1Pod pod) => pod.Metadata.Annotations?.ContainsKey(MirrorAnnotation) == true;

    private static string Names(IEnumerable<V1Pod> pods) =>
        string.Join(", ", pods.Take(10).Select(p => $"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}"));
}
