using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;

namespace K8sAgentPlatform.Policy.Kubernetes;

/// <summary>
/// <see cref="IClusterReader"/> on the official KubernetesClient. Every call uses named arguments:
/// v21 added parameters that shift positional calls written for older versions.
/// </summary>
public sealed class KubernetesClusterReader(IKubernetes client, TimeProvider? time = null) : IClusterReader
{
    private const string All = "All";
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly KubernetesObjects objects = new(client);

    public async Task<LiveObject?> GetAsync(ResourceType type, string? ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return type switch
            {
                ResourceType.Deployment => From(await client.AppsV1.ReadNamespacedDeploymentAsync(name: name, namespaceParameter: Ns(ns), cancellationToken: cancellationToken),
                    d => d.Metadata, d => d.Spec?.Replicas, d => d.Spec?.Template?.Spec),
                ResourceType.StatefulSet => From(await client.AppsV1.ReadNamespacedStatefulSetAsync(name: name, namespaceParameter: Ns(ns), cancellationToken: cancellationToken),
                    s => s.Metadata, s => s.Spec?.Replicas, s => s.Spec?.Template?.Spec),
                ResourceType.ReplicaSet => From(await client.AppsV1.ReadNamespacedReplicaSetAsync(name: name, namespaceParameter: Ns(ns), cancellationToken: cancellationToken),
                    r => r.Metadata, r => r.Spec?.Replicas, r => r.Spec?.Template?.Spec),
                ResourceType.DaemonSet => From(await client.AppsV1.ReadNamespacedDaemonSetAsync(name: name, namespaceParameter: Ns(ns), cancellationToken: cancellationToken),
                    d => d.Metadata, _ => null, d => d.Spec?.Template?.Spec),
                ResourceType.Job => From(await client.BatchV1.ReadNamespacedJobAsync(name: name, namespaceParameter: Ns(ns), cancellationToken: cancellationToken),
                    j => j.Metadata, _ => null, j => j.Spec?.Template?.Spec),
                ResourceType.CronJob => From(await client.BatchV1.ReadNamespacedCronJobAsync(name: name, namespaceParameter: Ns(ns), cancellationToken: cancellationToken),
                    c => c.Metadata, _ => null, c => c.Spec?.JobTemplate?.Spec?.Template?.Spec),
                ResourceType.Pod => From(await client.CoreV1.ReadNamespacedPodAsync(name: name, namespaceParameter: Ns(ns), cancellationToken: cancellationToken),
                    p => p.Metadata, _ => null, p => p.Spec),
                ResourceType.Service => Meta((await client.CoreV1.ReadNamespacedServiceAsync(name: name, namespaceParameter: Ns(ns), cancellationToken: cancellationToken)).Metadata),
                ResourceType.ConfigMap => Meta((await client.CoreV1.ReadNamespacedConfigMapAsync(name: name, namespaceParameter: Ns(ns), cancellationToken: cancellationToken)).Metadata),
                ResourceType.Secret => Meta((await client.CoreV1.ReadNamespacedSecretAsync(name: name, namespaceParameter: Ns(ns), cancellationToken: cancellationToken)).Metadata),
                ResourceType.Ingress => Meta((await client.NetworkingV1.ReadNamespacedIngressAsync(name: name, namespaceParameter: Ns(ns), cancellationToken: cancellationToken)).Metadata),
                ResourceType.HorizontalPodAutoscaler => Meta((await client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name: name, namespaceParameter: Ns(ns), cancellationToken: cancellationToken)).Metadata),
                ResourceType.Namespace => Meta((await client.CoreV1.ReadNamespaceAsync(name: name, cancellationToken: cancellationToken)).Metadata),
                ResourceType.Node => Meta((await client.CoreV1.ReadNodeAsync(name: name, cancellationToken: cancellationToken)).Metadata),
                _ => throw new ClusterApiException(null, $"reading a {WireNames.Of(type)} is not supported"),
            };
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (HttpOperationException e)
        {
            throw Wrap(e);
        }
    }

    public async Task<IReadOnlyList<LivePod>> ListPodsOnNodeAsync(string node, CancellationToken cancellationToken)
    {
        try
        {
            var pods = await client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: $"spec.nodeName={node}", cancellationToken: cancellationToken);
            return pods.Items
                .Where(p => p.Metadata?.Name is not null && p.Metadata.NamespaceProperty is not null)
                .Select(p => new LivePod(
                    p.Metadata.NamespaceProperty,
                    p.Metadata.Name,
                    Dict(p.Metadata.Labels),
                    p.Metadata.OwnerReferences?.Any(o => o.Kind == "DaemonSet") == true))
                .ToArray();
        }
        catch (HttpOperationException e)
        {
            throw Wrap(e);
        }
    }

    public async Task<IReadOnlyList<LiveDisruptionBudget>> ListDisruptionBudgetsAsync(string ns, CancellationToken cancellationToken)
    {
        try
        {
            var budgets = await client.PolicyV1.ListNamespacedPodDisruptionBudgetAsync(namespaceParameter: ns, cancellationToken: cancellationToken);
            return budgets.Items.Select(b => new LiveDisruptionBudget(
                    ns,
                    b.Metadata?.Name ?? "(unnamed)",
                    Dict(b.Spec?.Selector?.MatchLabels),
                    (b.Spec?.Selector?.MatchExpressions ?? [])
                        .Select(e => new LabelRequirement(e.Key, e.OperatorProperty, e.Values?.ToArray() ?? []))
                        .ToArray(),
                    b.Status?.DisruptionsAllowed ?? 0))
                .ToArray();
        }
        catch (HttpOperationException e)
        {
            throw Wrap(e);
        }
    }

    public async Task<DryRunResult> DryRunAsync(KubernetesOperation operation, CancellationToken cancellationToken)
    {
        try
        {
            var sent = await SendAsync(operation, cancellationToken);
            return sent ?? new DryRunOutcome(DryRunStatus.NotApplicable, NotApplicableWhy(operation.OperationType));
        }
        catch (HttpOperationException e) when ((int)e.Response.StatusCode is >= 400 and < 500 and not 401 and not 403 and not 429)
        {
            // The server looked at the request and refused it (validation, admission, conflict...).
            return new DryRunOutcome(DryRunStatus.Failed, $"HTTP {(int)e.Response.StatusCode}: {StatusMessage(e)}");
        }
        catch (HttpOperationException e)
        {
            throw Wrap(e);
        }
    }

    private static string NotApplicableWhy(OperationType type) => type switch
    {
        OperationType.Rollback => "a rollback's target comes from a snapshot or revision; it is dry-run when the executor re-validates it",
        _ => $"{WireNames.Of(type)} sends no request to dry-run",
    };

    /// <summary>
    /// Sends the executor's request with dryRun=All and compares the server's result with the object as it is (read just
    /// before); null when the operation has no single request to try.
    /// </summary>
    private async Task<DryRunResult?> SendAsync(KubernetesOperation op, CancellationToken ct)
    {
        var ns = op.Namespace ?? "";
        var name = op.ResourceName;
        switch (op.OperationType, op.ResourceType, op.Parameters)
        {
            case (OperationType.Scale, var type, ScaleParameters scale):
                var scalePatch = new V1Patch(ExecutorRequests.ScalePatch(scale.Replicas), V1Patch.PatchType.MergePatch);
                if (type is not (ResourceType.Deployment or ResourceType.StatefulSet or ResourceType.ReplicaSet))
                {
                    return null;
                }

                var scaled = await objects.ReadAsync(type, ns, name, ct);
                object result = type switch
                {
                    ResourceType.Deployment => await client.AppsV1.PatchNamespacedDeploymentScaleAsync(body: scalePatch, name: name, namespaceParameter: ns, dryRun: All, cancellationToken: ct),
                    ResourceType.StatefulSet => await client.AppsV1.PatchNamespacedStatefulSetScaleAsync(body: scalePatch, name: name, namespaceParameter: ns, dryRun: All, cancellationToken: ct),
                    _ => await client.AppsV1.PatchNamespacedReplicaSetScaleAsync(body: scalePatch, name: name, namespaceParameter: ns, dryRun: All, cancellationToken: ct),
                };
                // The scale subresource's spec is the workload's spec.replicas; its metadata and status are the server's.
                return Compared(SpecOnly(scaled?["spec"]?["replicas"]), SpecOnly(Json(result)["spec"]?["replicas"]));
            case (OperationType.UpdateImage, var type, UpdateImageParameters image):
                return await PatchWorkloadAsync(type, name, ns, ExecutorRequests.ImagePatch(image.ContainerName, image.Reference), ct);
            case (OperationType.Restart, var type, _):
                return WithoutRestartTime(await PatchWorkloadAsync(type, name, ns, ExecutorRequests.RestartPatch(_time.GetUtcNow()), ct));
            case (OperationType.UpdateConfig, var type, UpdateConfigParameters config):
                var configPatch = new V1Patch(ExecutorRequests.ConfigPatch(type, config.Key, config.Value), V1Patch.PatchType.MergePatch);
                return type switch
                {
                    ResourceType.ConfigMap => Compared(await objects.ReadAsync(type, ns, name, ct),
                        await client.CoreV1.PatchNamespacedConfigMapAsync(body: configPatch, name: name, namespaceParameter: ns, dryRun: All, cancellationToken: ct)),
                    ResourceType.Secret => Compared(await objects.ReadAsync(type, ns, name, ct),
                        await client.CoreV1.PatchNamespacedSecretAsync(body: configPatch, name: name, namespaceParameter: ns, dryRun: All, cancellationToken: ct), secret: true),
                    _ => null,
                };
            case (OperationType.CordonNode or OperationType.DrainNode, _, _):
                // A drain starts with a cordon; its evictions are weighed by the PodDisruptionBudget check.
                return Compared(await objects.ReadAsync(ResourceType.Node, null, name, ct),
                    await client.CoreV1.PatchNodeAsync(body: new V1Patch(ExecutorRequests.CordonPatch(true), V1Patch.PatchType.StrategicMergePatch), name: name, dryRun: All, cancellationToken: ct));
            case (OperationType.UncordonNode, _, _):
                return Compared(await objects.ReadAsync(ResourceType.Node, null, name, ct),
                    await client.CoreV1.PatchNodeAsync(body: new V1Patch(ExecutorRequests.CordonPatch(false), V1Patch.PatchType.StrategicMergePatch), name: name, dryRun: All, cancellationToken: ct));
            case (OperationType.Delete, var type, _):
                return await DeleteAsync(type, name, ns, ct);
            case (OperationType.ApplyManifest, _, ApplyManifestParameters manifest):
                return await ApplyAsync(manifest.Manifest, ns, ct);
            default:
                return null;
        }
    }

    private async Task<DryRunResult?> PatchWorkloadAsync(ResourceType type, string name, string ns, string body, CancellationToken ct)
    {
        if (type is not (ResourceType.Deployment or ResourceType.StatefulSet or ResourceType.DaemonSet))
        {
            return null;
        }

        var live = await objects.ReadAsync(type, ns, name, ct);
        var patch = new V1Patch(body, V1Patch.PatchType.StrategicMergePatch);
        return Compared(live, type switch
        {
            ResourceType.Deployment => await client.AppsV1.PatchNamespacedDeploymentAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, cancellationToken: ct),
            ResourceType.StatefulSet => await client.AppsV1.PatchNamespacedStatefulSetAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, cancellationToken: ct),
            _ => await client.AppsV1.PatchNamespacedDaemonSetAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, cancellationToken: ct),
        });
    }

    /// <summary>
    /// The dry run stamps the time it ran; the executor stamps the time it runs. Without this, every re-validation of a
    /// restart would show another diff and ask for a confirmation again.
    /// </summary>
    private static DryRunResult? WithoutRestartTime(DryRunResult? result) => result is null ? null : result with
    {
        Diff = result.Diff.Select(c => c.Path.EndsWith($"[\"{ExecutorRequests.RestartedAtAnnotation}\"]", StringComparison.Ordinal)
            ? c with { After = "(the time the restart runs)" }
            : c).ToArray(),
    };

    /// <summary>A delete removes the object; there is no result to compare field by field.</summary>
    private async Task<DryRunResult?> DeleteAsync(ResourceType type, string name, string ns, CancellationToken ct)
    {
        var options = new V1DeleteOptions { PropagationPolicy = "Background", DryRun = [All] };
        return type switch
        {
            ResourceType.Deployment => Passed(await client.AppsV1.DeleteNamespacedDeploymentAsync(name: name, namespaceParameter: ns, body: options, dryRun: All, cancellationToken: ct)),
            ResourceType.StatefulSet => Passed(await client.AppsV1.DeleteNamespacedStatefulSetAsync(name: name, namespaceParameter: ns, body: options, dryRun: All, cancellationToken: ct)),
            ResourceType.DaemonSet => Passed(await client.AppsV1.DeleteNamespacedDaemonSetAsync(name: name, namespaceParameter: ns, body: options, dryRun: All, cancellationToken: ct)),
            ResourceType.ReplicaSet => Passed(await client.AppsV1.DeleteNamespacedReplicaSetAsync(name: name, namespaceParameter: ns, body: options, dryRun: All, cancellationToken: ct)),
            ResourceType.Service => Passed(await client.CoreV1.DeleteNamespacedServiceAsync(name: name, namespaceParameter: ns, body: options, dryRun: All, cancellationToken: ct)),
            ResourceType.ConfigMap => Passed(await client.CoreV1.DeleteNamespacedConfigMapAsync(name: name, namespaceParameter: ns, body: options, dryRun: All, cancellationToken: ct)),
            ResourceType.Secret => Passed(await client.CoreV1.DeleteNamespacedSecretAsync(name: name, namespaceParameter: ns, body: options, dryRun: All, cancellationToken: ct)),
            ResourceType.Pod => Passed(await client.CoreV1.DeleteNamespacedPodAsync(name: name, namespaceParameter: ns, body: options, dryRun: All, cancellationToken: ct)),
            ResourceType.Ingress => Passed(await client.NetworkingV1.DeleteNamespacedIngressAsync(name: name, namespaceParameter: ns, body: options, dryRun: All, cancellationToken: ct)),
            ResourceType.HorizontalPodAutoscaler => Passed(await client.AutoscalingV2.DeleteNamespacedHorizontalPodAutoscalerAsync(name: name, namespaceParameter: ns, body: options, dryRun: All, cancellationToken: ct)),
            ResourceType.Job => Passed(await client.BatchV1.DeleteNamespacedJobAsync(name: name, namespaceParameter: ns, body: options, dryRun: All, cancellationToken: ct)),
            ResourceType.CronJob => Passed(await client.BatchV1.DeleteNamespacedCronJobAsync(name: name, namespaceParameter: ns, body: options, dryRun: All, cancellationToken: ct)),
            ResourceType.Namespace => Passed(await client.CoreV1.DeleteNamespaceAsync(name: name, body: options, dryRun: All, cancellationToken: ct)),
            _ => null,
        };
    }

    /// <summary>
    /// Server-side apply of every object, each dry-run on its own so a refusal names the object. Kinds
    /// without a typed call here are reported as not dry-run rather than silently passed.
    /// </summary>
    private async Task<DryRunResult> ApplyAsync(string manifest, string ns, CancellationToken ct)
    {
        if (Policies.YamlFailure.TryLoad(manifest, 200_000, out var stream) is { } failure)
        {
            return new DryRunOutcome(DryRunStatus.Failed, $"line {failure.Line}: {failure.Message}");
        }

        var skipped = new List<string>();
        var diff = new List<FieldChange>();
        foreach (var document in stream.Documents)
        {
            if (YamlJson.ToJson(document.RootNode) is not JsonObject obj)
            {
                continue;
            }

            var kind = Text(obj["kind"]);
            var name = Text((obj["metadata"] as JsonObject)?["name"]);
            var patch = new V1Patch(obj.ToJsonString(), V1Patch.PatchType.ApplyPatch);
            try
            {
                var type = ResourceKinds.Of(Text(obj["apiVersion"]), kind);
                var live = type is { } known ? await objects.ReadAsync(known, ns, name, ct) : null;
                if (await ApplyOneAsync(kind, name, ns, patch, ct) is not { } result)
                {
                    skipped.Add($"{kind}/{name}");
                    continue;
                }

                diff.AddRange(ManagedState.Changes(live ?? new JsonObject(), Json(result), maskValues: kind == "Secret", max: int.MaxValue)
                    .Select(c => c with { Path = $"{kind}/{name}: {c.Path}" }));
            }
            catch (HttpOperationException e) when ((int)e.Response.StatusCode is >= 400 and < 500 and not 401 and not 403 and not 429)
            {
                return new DryRunOutcome(DryRunStatus.Failed, $"{kind}/{name}: HTTP {(int)e.Response.StatusCode}: {StatusMessage(e)}");
            }
        }

        var outcome = skipped.Count == 0
            ? new DryRunOutcome(DryRunStatus.Passed)
            : new DryRunOutcome(DryRunStatus.NotApplicable, $"not dry-run (no typed call for the kind): {string.Join(", ", skipped)}; the others passed");
        return new DryRunResult(outcome, ManagedState.Capped(diff));
    }

    private static string Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";

    /// <summary>The server's dry-run result of applying one object; null when the kind has no typed call here.</summary>
    private async Task<object?> ApplyOneAsync(string kind, string name, string ns, V1Patch patch, CancellationToken ct)
    {
        const string manager = ExecutorRequests.FieldManager;
        switch (kind)
        {
            case "Deployment": return await client.AppsV1.PatchNamespacedDeploymentAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "StatefulSet": return await client.AppsV1.PatchNamespacedStatefulSetAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "DaemonSet": return await client.AppsV1.PatchNamespacedDaemonSetAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "ReplicaSet": return await client.AppsV1.PatchNamespacedReplicaSetAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "Service": return await client.CoreV1.PatchNamespacedServiceAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "ConfigMap": return await client.CoreV1.PatchNamespacedConfigMapAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "Secret": return await client.CoreV1.PatchNamespacedSecretAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "ServiceAccount": return await client.CoreV1.PatchNamespacedServiceAccountAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "Pod": return await client.CoreV1.PatchNamespacedPodAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "Ingress": return await client.NetworkingV1.PatchNamespacedIngressAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "NetworkPolicy": return await client.NetworkingV1.PatchNamespacedNetworkPolicyAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "HorizontalPodAutoscaler": return await client.AutoscalingV2.PatchNamespacedHorizontalPodAutoscalerAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "Job": return await client.BatchV1.PatchNamespacedJobAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "CronJob": return await client.BatchV1.PatchNamespacedCronJobAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "PodDisruptionBudget": return await client.PolicyV1.PatchNamespacedPodDisruptionBudgetAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "Role": return await client.RbacAuthorizationV1.PatchNamespacedRoleAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            case "RoleBinding": return await client.RbacAuthorizationV1.PatchNamespacedRoleBindingAsync(body: patch, name: name, namespaceParameter: ns, dryRun: All, fieldManager: manager, force: true, cancellationToken: ct);
            default: return null;
        }
    }

    private static DryRunResult Passed(object? _) => new DryRunOutcome(DryRunStatus.Passed);

    /// <summary>A passed dry run with what it changes: the live object against the server's result.</summary>
    private static DryRunResult Compared(object? live, object result, bool secret = false) =>
        new(new DryRunOutcome(DryRunStatus.Passed), ManagedState.Changes(live is null ? new JsonObject() : Json(live), Json(result), maskValues: secret));

    private static JsonObject SpecOnly(JsonNode? replicas) => new() { ["spec"] = new JsonObject { ["replicas"] = replicas?.DeepClone() } };

    private static JsonObject Json(object value) => value as JsonObject ?? JsonNode.Parse(KubernetesJson.Serialize(value))?.AsObject() ?? new JsonObject();

    private static string Ns(string? ns) => ns ?? throw new ClusterApiException(null, "a namespaced object needs a namespace");

    private static LiveObject From<T>(T obj, Func<T, V1ObjectMeta?> meta, Func<T, int?> replicas, Func<T, V1PodSpec?> pod) =>
        Meta(meta(obj)) with
        {
            Replicas = replicas(obj),
            Containers = (pod(obj)?.Containers ?? []).Select(c => c.Name)
                .Concat((pod(obj)?.InitContainers ?? []).Select(c => c.Name))
                .ToArray(),
        };

    private static LiveObject Meta(V1ObjectMeta? meta) => new()
    {
        ResourceVersion = meta?.ResourceVersion,
        Labels = Dict(meta?.Labels),
        Annotations = Dict(meta?.Annotations),
    };

    private static IReadOnlyDictionary<string, string> Dict(IDictionary<string, string>? source) =>
        source is null ? new Dictionary<string, string>() : new Dictionary<string, string>(source, StringComparer.Ordinal);

    private static ClusterApiException Wrap(HttpOperationException e) =>
        new((int)e.Response.StatusCode, StatusMessage(e), e);

    /// <summary>The message of the server's Status body, else the raw body, else the exception's message.</summary>
    private static string StatusMessage(HttpOperationException e)
    {
        var content = e.Response?.Content;
        if (!string.IsNullOrWhiteSpace(content))
        {
            try
            {
                using var doc = JsonDocument.Parse(content);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                {
                    return message.GetString()!;
                }
            }
            catch (JsonException)
            {
                // Not a Status body (a proxy's HTML page, say): the raw text below is the best message.
            }

            return content.Length > 300 ? content[..300] : content;
        }

        return e.Message;
    }
}
