using System.Text.Json.Nodes;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Policies;
using K8sAgentPlatform.Policy.Rules;

namespace K8sAgentPlatform.Policy.Kubernetes;

/// <summary>The checks that need the cluster: existence, containers, scale factor, PDBs, GitOps ownership, dry run.</summary>
public sealed class LiveChecks(IClusterReader cluster, IReadOnlyList<ILiveOperationCheck> operationChecks)
{
    private static readonly string[] ArgoLabels = ["argocd.argoproj.io/instance"];
    private static readonly string[] ArgoAnnotations = ["argocd.argoproj.io/tracking-id"];
    private static readonly string[] FluxLabels = ["kustomize.toolkit.fluxcd.io/name", "helm.toolkit.fluxcd.io/name"];

    public sealed record Result(string? ResourceVersion, DryRunOutcome DryRun, IReadOnlyList<FieldChange> Diff);

    public async Task<Result> RunAsync(OperationContext context, OperationFindings findings, CancellationToken cancellationToken)
    {
        var op = context.Operation;
        string? resourceVersion = null;
        var dryRun = DryRunOutcome.NotRun;
        IReadOnlyList<FieldChange> diff = [];
        try
        {
            // apply_manifest may create its objects, so their absence is no reason to refuse.
            if (op.OperationType != OperationType.ApplyManifest)
            {
                var ns = op.ResourceType.IsClusterScoped() ? null : op.Namespace;
                var live = await cluster.GetAsync(op.ResourceType, ns, op.ResourceName, cancellationToken);
                if (live is null)
                {
                    findings.Reject(RuleIds.LiveExists, $"{op.Target} was not found in the cluster");
                    return new Result(null, dryRun, diff);
                }

                resourceVersion = live.ResourceVersion;
                CheckContainer(op, live, findings);
                CheckScaleFactor(context, live, findings);
                CheckGitOps(context, live, op.Target, findings);
            }
            else if (op.Parameters is ApplyManifestParameters manifest)
            {
                await CheckManifestObjectsAsync(context, manifest.Manifest, findings, cancellationToken);
            }

            if (op.OperationType == OperationType.DrainNode)
            {
                await CheckDisruptionBudgetsAsync(op, findings, cancellationToken);
            }

            foreach (var check in operationChecks)
            {
                if (findings.Reasons.Count == 0 && context.IsMutating)
                {
                    await check.CheckAsync(context, findings, cancellationToken);
                }
            }

            if (findings.Reasons.Count == 0 && context.IsMutating && context.Settings.DryRun)
            {
                (dryRun, diff) = await cluster.DryRunAsync(op, cancellationToken);
                if (dryRun.Status == DryRunStatus.Failed)
                {
                    findings.Reject(RuleIds.DryRun, $"the server refused the dry run: {dryRun.Message}");
                }
                else if (dryRun.Status == DryRunStatus.NotApplicable && dryRun.Message is { } note)
                {
                    findings.Warn(RuleIds.DryRun, note);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            findings.Reject(RuleIds.ApiFailure, $"the cluster could not be checked for {op.Target}: {Describe(e)}");
        }

        return new Result(resourceVersion, dryRun, dryRun.Status == DryRunStatus.Passed ? diff : []);
    }

    private static string Describe(Exception e) => e switch
    {
        ClusterApiException { StatusCode: { } code } api => $"HTTP {code}: {api.Message}",
        _ => e.Message,
    };

    private static void CheckContainer(KubernetesOperation op, LiveObject live, OperationFindings findings)
    {
        if (op.Parameters is UpdateImageParameters image && !live.Containers.Contains(image.ContainerName, StringComparer.Ordinal))
        {
            findings.Reject(RuleIds.LiveContainer, live.Containers.Count == 0
                ? $"{op.Target} has no containers; '{image.ContainerName}' does not exist"
                : $"{op.Target} has no container '{image.ContainerName}' (it has: {string.Join(", ", live.Containers)})");
        }
    }

    private static void CheckScaleFactor(OperationContext context, LiveObject live, OperationFindings findings)
    {
        if (context.Operation.Parameters is not ScaleParameters { Replicas: var target })
        {
            return;
        }

        // Scaling up from zero is measured against one replica, as the brief does.
        var current = Math.Max(live.Replicas ?? 1, 1);
        var factor = (double)target / current;
        if (factor > context.Settings.MaxScaleFactor)
        {
            findings.Reject(RuleIds.LiveScaleFactor,
                $"scaling {context.Operation.Target} from {live.Replicas ?? 1} to {target} replicas is a factor of {factor:0.##}, above the maximum {context.Settings.MaxScaleFactor:0.##}; this needs a manual override");
        }
        else if (factor > 2.0)
        {
            findings.RaiseRisk(RiskLevel.High);
        }
    }

    private static readonly IReadOnlyDictionary<string, ResourceType> ReadableKinds = new Dictionary<string, ResourceType>(StringComparer.Ordinal)
    {
        ["Deployment"] = ResourceType.Deployment, ["StatefulSet"] = ResourceType.StatefulSet, ["DaemonSet"] = ResourceType.DaemonSet,
        ["ReplicaSet"] = ResourceType.ReplicaSet, ["Service"] = ResourceType.Service, ["ConfigMap"] = ResourceType.ConfigMap,
        ["Secret"] = ResourceType.Secret, ["Ingress"] = ResourceType.Ingress, ["HorizontalPodAutoscaler"] = ResourceType.HorizontalPodAutoscaler,
        ["Job"] = ResourceType.Job, ["CronJob"] = ResourceType.CronJob, ["Pod"] = ResourceType.Pod,
    };

    /// <summary>Objects a manifest would overwrite may be GitOps-managed too; absent ones are simply created.</summary>
    private async Task CheckManifestObjectsAsync(OperationContext context, string manifest, OperationFindings findings, CancellationToken cancellationToken)
    {
        if (YamlFailure.TryLoad(manifest, 200_000, out var stream) is not null)
        {
            return; // the static manifest rule already refused it
        }

        foreach (var document in stream.Documents)
        {
            if (YamlJson.ToJson(document.RootNode) is not JsonObject obj
                || Text(obj["kind"]) is not { } kind
                || Text((obj["metadata"] as JsonObject)?["name"]) is not { } name
                || !ReadableKinds.TryGetValue(kind, out var type))
            {
                continue;
            }

            if (await cluster.GetAsync(type, context.Operation.Namespace, name, cancellationToken) is { } live)
            {
                CheckGitOps(context, live, $"{kind}/{name} in {context.Operation.Namespace}", findings);
            }
        }
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static void CheckGitOps(OperationContext context, LiveObject live, string target, OperationFindings findings)
    {
        if (!context.IsMutating)
        {
            return;
        }

        var manager =
            ArgoLabels.Any(live.Labels.ContainsKey) || ArgoAnnotations.Any(live.Annotations.ContainsKey) ? "Argo CD"
            : FluxLabels.Any(live.Labels.ContainsKey) ? "Flux"
            : null;
        if (manager is null)
        {
            return;
        }

        var message = $"{target} is managed by {manager}; its next sync may undo this change (and a rollback)";
        switch (context.Settings.GitOpsMode)
        {
            case GitOpsMode.Refuse:
                findings.Reject(RuleIds.GitOps, message + "; change it in Git instead");
                break;
            case GitOpsMode.Confirm:
                findings.Warn(RuleIds.GitOps, message);
                findings.RequireConfirmation(RuleIds.GitOps, $"the object is managed by {manager}");
                break;
            default:
                findings.Warn(RuleIds.GitOps, message);
                break;
        }
    }

    private async Task CheckDisruptionBudgetsAsync(KubernetesOperation op, OperationFindings findings, CancellationToken cancellationToken)
    {
        var ignoreDaemonSets = (op.Parameters as DrainNodeParameters)?.IgnoreDaemonsets ?? true;
        var pods = (await cluster.ListPodsOnNodeAsync(op.ResourceName, cancellationToken))
            .Where(p => !(ignoreDaemonSets && p.OwnedByDaemonSet))
            .ToArray();
        foreach (var ns in pods.Select(p => p.Namespace).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            foreach (var budget in await cluster.ListDisruptionBudgetsAsync(ns, cancellationToken))
            {
                var evicted = pods.Count(budget.Selects);
                if (evicted > budget.DisruptionsAllowed)
                {
                    findings.Reject(RuleIds.LivePdb,
                        $"draining node/{op.ResourceName} would evict {evicted} pod(s) covered by PodDisruptionBudget {ns}/{budget.Name}, which allows {budget.DisruptionsAllowed} disruption(s) now");
                }
            }
        }
    }
}
