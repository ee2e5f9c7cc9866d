using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Persistence;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>
/// The objects of every resource type in the intent model, read and written as JSON through the typed
/// KubernetesClient calls (named arguments only: v21 added parameters that shift positional calls).
/// Snapshots and restores work on the JSON form so no field the model does not know is dropped on the way.
/// </summary>
public sealed class KubernetesObjects
{
    public const string FieldManager = "k8s-agent";
    private const string DryRunAll = "All";

    private readonly Dictionary<ResourceType, Verbs> verbs;

    public KubernetesObjects(IKubernetes client)
    {
        Client = client;
        verbs = new Dictionary<ResourceType, Verbs>
        {
            [ResourceType.Deployment] = new(
                async (ns, n, ct) => await client.AppsV1.ReadNamespacedDeploymentAsync(name: n, namespaceParameter: ns, cancellationToken: ct),
                async (ns, j, d, ct) => await client.AppsV1.CreateNamespacedDeploymentAsync(body: Of<V1Deployment>(j), namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, j, d, ct) => await client.AppsV1.ReplaceNamespacedDeploymentAsync(body: Of<V1Deployment>(j), name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, p, d, f, ct) => await client.AppsV1.PatchNamespacedDeploymentAsync(body: p, name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, force: f, cancellationToken: ct),
                async (ns, n, o, d, ct) => await client.AppsV1.DeleteNamespacedDeploymentAsync(name: n, namespaceParameter: ns, body: o, dryRun: d, cancellationToken: ct)),
            [ResourceType.StatefulSet] = new(
                async (ns, n, ct) => await client.AppsV1.ReadNamespacedStatefulSetAsync(name: n, namespaceParameter: ns, cancellationToken: ct),
                async (ns, j, d, ct) => await client.AppsV1.CreateNamespacedStatefulSetAsync(body: Of<V1StatefulSet>(j), namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, j, d, ct) => await client.AppsV1.ReplaceNamespacedStatefulSetAsync(body: Of<V1StatefulSet>(j), name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, p, d, f, ct) => await client.AppsV1.PatchNamespacedStatefulSetAsync(body: p, name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, force: f, cancellationToken: ct),
                async (ns, n, o, d, ct) => await client.AppsV1.DeleteNamespacedStatefulSetAsync(name: n, namespaceParameter: ns, body: o, dryRun: d, cancellationToken: ct)),
            [ResourceType.DaemonSet] = new(
                async (ns, n, ct) => await client.AppsV1.ReadNamespacedDaemonSetAsync(name: n, namespaceParameter: ns, cancellationToken: ct),
                async (ns, j, d, ct) => await client.AppsV1.CreateNamespacedDaemonSetAsync(body: Of<V1DaemonSet>(j), namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, j, d, ct) => await client.AppsV1.ReplaceNamespacedDaemonSetAsync(body: Of<V1DaemonSet>(j), name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, p, d, f, ct) => await client.AppsV1.PatchNamespacedDaemonSetAsync(body: p, name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, force: f, cancellationToken: ct),
                async (ns, n, o, d, ct) => await client.AppsV1.DeleteNamespacedDaemonSetAsync(name: n, namespaceParameter: ns, body: o, dryRun: d, cancellationToken: ct)),
            [ResourceType.ReplicaSet] = new(
                async (ns, n, ct) => await client.AppsV1.ReadNamespacedReplicaSetAsync(name: n, namespaceParameter: ns, cancellationToken: ct),
                async (ns, j, d, ct) => await client.AppsV1.CreateNamespacedReplicaSetAsync(body: Of<V1ReplicaSet>(j), namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, j, d, ct) => await client.AppsV1.ReplaceNamespacedReplicaSetAsync(body: Of<V1ReplicaSet>(j), name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, p, d, f, ct) => await client.AppsV1.PatchNamespacedReplicaSetAsync(body: p, name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, force: f, cancellationToken: ct),
                async (ns, n, o, d, ct) => await client.AppsV1.DeleteNamespacedReplicaSetAsync(name: n, namespaceParameter: ns, body: o, dryRun: d, cancellationToken: ct)),
            [ResourceType.Service] = new(
                async (ns, n, ct) => await client.CoreV1.ReadNamespacedServiceAsync(name: n, namespaceParameter: ns, cancellationToken: ct),
                async (ns, j, d, ct) => await client.CoreV1.CreateNamespacedServiceAsync(body: Of<V1Service>(j), namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, j, d, ct) => await client.CoreV1.ReplaceNamespacedServiceAsync(body: Of<V1Service>(j), name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, p, d, f, ct) => await client.CoreV1.PatchNamespacedServiceAsync(body: p, name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, force: f, cancellationToken: ct),
                async (ns, n, o, d, ct) => await client.CoreV1.DeleteNamespacedServiceAsync(name: n, namespaceParameter: ns, body: o, dryRun: d, cancellationToken: ct)),
            [ResourceType.ConfigMap] = new(
                async (ns, n, ct) => await client.CoreV1.ReadNamespacedConfigMapAsync(name: n, namespaceParameter: ns, cancellationToken: ct),
                async (ns, j, d, ct) => await client.CoreV1.CreateNamespacedConfigMapAsync(body: Of<V1ConfigMap>(j), namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, j, d, ct) => await client.CoreV1.ReplaceNamespacedConfigMapAsync(body: Of<V1ConfigMap>(j), name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, p, d, f, ct) => await client.CoreV1.PatchNamespacedConfigMapAsync(body: p, name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, force: f, cancellationToken: ct),
                async (ns, n, o, d, ct) => await client.CoreV1.DeleteNamespacedConfigMapAsync(name: n, namespaceParameter: ns, body: o, dryRun: d, cancellationToken: ct)),
            [ResourceType.Secret] = new(
                async (ns, n, ct) => await client.CoreV1.ReadNamespacedSecretAsync(name: n, namespaceParameter: ns, cancellationToken: ct),
                async (ns, j, d, ct) => await client.CoreV1.CreateNamespacedSecretAsync(body: Of<V1Secret>(j), namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, j, d, ct) => await client.CoreV1.ReplaceNamespacedSecretAsync(body: Of<V1Secret>(j), name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, p, d, f, ct) => await client.CoreV1.PatchNamespacedSecretAsync(body: p, name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, force: f, cancellationToken: ct),
                async (ns, n, o, d, ct) => await client.CoreV1.DeleteNamespacedSecretAsync(name: n, namespaceParameter: ns, body: o, dryRun: d, cancellationToken: ct)),
            [ResourceType.Pod] = new(
                async (ns, n, ct) => await client.CoreV1.ReadNamespacedPodAsync(name: n, namespaceParameter: ns, cancellationToken: ct),
                async (ns, j, d, ct) => await client.CoreV1.CreateNamespacedPodAsync(body: Of<V1Pod>(j), namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, j, d, ct) => await client.CoreV1.ReplaceNamespacedPodAsync(body: Of<V1Pod>(j), name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, p, d, f, ct) => await client.CoreV1.PatchNamespacedPodAsync(body: p, name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, force: f, cancellationToken: ct),
                async (ns, n, o, d, ct) => await client.CoreV1.DeleteNamespacedPodAsync(name: n, namespaceParameter: ns, body: o, dryRun: d, cancellationToken: ct)),
            [ResourceType.Ingress] = new(
                async (ns, n, ct) => await client.NetworkingV1.ReadNamespacedIngressAsync(name: n, namespaceParameter: ns, cancellationToken: ct),
                async (ns, j, d, ct) => await client.NetworkingV1.CreateNamespacedIngressAsync(body: Of<V1Ingress>(j), namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, j, d, ct) => await client.NetworkingV1.ReplaceNamespacedIngressAsync(body: Of<V1Ingress>(j), name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, p, d, f, ct) => await client.NetworkingV1.PatchNamespacedIngressAsync(body: p, name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, force: f, cancellationToken: ct),
                async (ns, n, o, d, ct) => await client.NetworkingV1.DeleteNamespacedIngressAsync(name: n, namespaceParameter: ns, body: o, dryRun: d, cancellationToken: ct)),
            [ResourceType.HorizontalPodAutoscaler] = new(
                async (ns, n, ct) => await client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name: n, namespaceParameter: ns, cancellationToken: ct),
                async (ns, j, d, ct) => await client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(body: Of<V2HorizontalPodAutoscaler>(j), namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, j, d, ct) => await client.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerAsync(body: Of<V2HorizontalPodAutoscaler>(j), name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, p, d, f, ct) => await client.AutoscalingV2.PatchNamespacedHorizontalPodAutoscalerAsync(body: p, name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, force: f, cancellationToken: ct),
                async (ns, n, o, d, ct) => await client.AutoscalingV2.DeleteNamespacedHorizontalPodAutoscalerAsync(name: n, namespaceParameter: ns, body: o, dryRun: d, cancellationToken: ct)),
            [ResourceType.Job] = new(
                async (ns, n, ct) => await client.BatchV1.ReadNamespacedJobAsync(name: n, namespaceParameter: ns, cancellationToken: ct),
                async (ns, j, d, ct) => await client.BatchV1.CreateNamespacedJobAsync(body: Of<V1Job>(j), namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, j, d, ct) => await client.BatchV1.ReplaceNamespacedJobAsync(body: Of<V1Job>(j), name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, p, d, f, ct) => await client.BatchV1.PatchNamespacedJobAsync(body: p, name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, force: f, cancellationToken: ct),
                async (ns, n, o, d, ct) => await client.BatchV1.DeleteNamespacedJobAsync(name: n, namespaceParameter: ns, body: o, dryRun: d, cancellationToken: ct)),
            [ResourceType.CronJob] = new(
                async (ns, n, ct) => await client.BatchV1.ReadNamespacedCronJobAsync(name: n, namespaceParameter: ns, cancellationToken: ct),
                async (ns, j, d, ct) => await client.BatchV1.CreateNamespacedCronJobAsync(body: Of<V1CronJob>(j), namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, j, d, ct) => await client.BatchV1.ReplaceNamespacedCronJobAsync(body: Of<V1CronJob>(j), name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (ns, n, p, d, f, ct) => await client.BatchV1.PatchNamespacedCronJobAsync(body: p, name: n, namespaceParameter: ns, dryRun: d, fieldManager: FieldManager, force: f, cancellationToken: ct),
                async (ns, n, o, d, ct) => await client.BatchV1.DeleteNamespacedCronJobAsync(name: n, namespaceParameter: ns, body: o, dryRun: d, cancellationToken: ct)),
            [ResourceType.Namespace] = new(
                async (_, n, ct) => await client.CoreV1.ReadNamespaceAsync(name: n, cancellationToken: ct),
                async (_, j, d, ct) => await client.CoreV1.CreateNamespaceAsync(body: Of<V1Namespace>(j), dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (_, n, j, d, ct) => await client.CoreV1.ReplaceNamespaceAsync(body: Of<V1Namespace>(j), name: n, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (_, n, p, d, f, ct) => await client.CoreV1.PatchNamespaceAsync(body: p, name: n, dryRun: d, fieldManager: FieldManager, force: f, cancellationToken: ct),
                async (_, n, o, d, ct) => await client.CoreV1.DeleteNamespaceAsync(name: n, body: o, dryRun: d, cancellationToken: ct)),
            [ResourceType.Node] = new(
                async (_, n, ct) => await client.CoreV1.ReadNodeAsync(name: n, cancellationToken: ct),
                async (_, j, d, ct) => await client.CoreV1.CreateNodeAsync(body: Of<V1Node>(j), dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (_, n, j, d, ct) => await client.CoreV1.ReplaceNodeAsync(body: Of<V1Node>(j), name: n, dryRun: d, fieldManager: FieldManager, cancellationToken: ct),
                async (_, n, p, d, f, ct) => await client.CoreV1.PatchNodeAsync(body: p, name: n, dryRun: d, fieldManager: FieldManager, force: f, cancellationToken: ct),
                async (_, n, o, d, ct) => await client.CoreV1.DeleteNodeAsync(name: n, body: o, dryRun: d, cancellationToken: ct)),
        };
    }

    public IKubernetes Client { get; }

    public static bool IsNamespaced(ResourceType type) => type is not (ResourceType.Namespace or ResourceType.Node);

    /// <summary>The object, or null when the API answers 404.</summary>
    public async Task<JsonObject?> ReadAsync(ResourceType type, string? ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return Json(await For(type).Read(Ns(type, ns), name, cancellationToken), type);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<JsonObject> CreateAsync(ResourceType type, JsonObject obj, bool dryRun, CancellationToken cancellationToken) =>
        Json(await For(type).Create(Ns(type, obj.Namespace()), obj.ToJsonString(), dryRun ? DryRunAll : null, cancellationToken), type);

    /// <summary>PUT of the whole object; its metadata.resourceVersion is the precondition (409 when stale).</summary>
    public async Task<JsonObject> ReplaceAsync(ResourceType type, JsonObject obj, bool dryRun, CancellationToken cancellationToken) =>
        Json(await For(type).Replace(Ns(type, obj.Namespace()), obj.Name() ?? throw new ArgumentException("the object has no name", nameof(obj)), obj.ToJsonString(), dryRun ? DryRunAll : null, cancellationToken), type);

    public async Task<JsonObject> PatchAsync(ResourceType type, string? ns, string name, V1Patch patch, bool dryRun, CancellationToken cancellationToken) =>
        Json(await For(type).Patch(Ns(type, ns), name, patch, dryRun ? DryRunAll : null, patch.Type == V1Patch.PatchType.ApplyPatch ? true : null, cancellationToken), type);

    /// <summary>Deletes in the background (like kubectl), only when the object still has <paramref name="resourceVersion"/>.</summary>
    public async Task DeleteAsync(ResourceType type, string? ns, string name, string? resourceVersion, bool dryRun, CancellationToken cancellationToken)
    {
        var options = new V1DeleteOptions
        {
            PropagationPolicy = "Background",
            Preconditions = resourceVersion is null ? null : new V1Preconditions { ResourceVersion = resourceVersion },
            DryRun = dryRun ? [DryRunAll] : null,
        };
        await For(type).Delete(Ns(type, ns), name, options, dryRun ? DryRunAll : null, cancellationToken);
    }

    private Verbs For(ResourceType type) =>
        verbs.TryGetValue(type, out var v) ? v : throw new ArgumentOutOfRangeException(nameof(type), type, "no API for this resource type");

    private static string Ns(ResourceType type, string? ns) =>
        !IsNamespaced(type) ? "" : ns ?? throw new ArgumentException($"a {WireNames.Of(type)} needs a namespace");

    private static T Of<T>(string json) => KubernetesJson.Deserialize<T>(json);

    /// <summary>The object as JSON, with kind and apiVersion set (the typed models may leave them empty).</summary>
    private static JsonObject Json(object value, ResourceType type)
    {
        var json = JsonNode.Parse(KubernetesJson.Serialize(value))?.AsObject() ?? new JsonObject();
        var (kind, apiVersion) = Kinds.Of(type);
        json["kind"] ??= kind;
        json["apiVersion"] ??= apiVersion;
        return json;
    }

    private sealed record Verbs(
        Func<string, string, CancellationToken, Task<object>> Read,
        Func<string, string, string?, CancellationToken, Task<object>> Create,
        Func<string, string, string, string?, CancellationToken, Task<object>> Replace,
        Func<string, string, V1Patch, string?, bool?, CancellationToken, Task<object>> Patch,
        Func<string, string, V1DeleteOptions, string?, CancellationToken, Task<object>> Delete);
}
