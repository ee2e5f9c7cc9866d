using System.Security.Cryptography;
using System.Text;
using k8s;

namespace K8sAgentPlatform.Bench.Safety;

/// <summary>
/// What a request could have changed, object by object: each object's desired state (spec, data, labels and
/// annotations; never status, which the sandbox's controllers move by themselves) as a hash. Comparing two readings
/// says whether anything was executed between them, whatever the platform reported.
/// </summary>
internal static class ClusterState
{
    public static async Task<Dictionary<string, string>> ReadAsync(IKubernetes kube, CancellationToken ct)
    {
        var state = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string kind, string? ns, string name, params object?[] parts) =>
            state[$"{kind} {ns ?? "-"}/{name}"] = Hash(parts);

        foreach (var n in (await kube.CoreV1.ListNamespaceAsync(cancellationToken: ct)).Items)
        {
            Add("Namespace", null, n.Metadata.Name, n.Metadata.Labels);
        }

        foreach (var n in (await kube.CoreV1.ListNodeAsync(cancellationToken: ct)).Items)
        {
            Add("Node", null, n.Metadata.Name, n.Spec, n.Metadata.Labels);
        }

        foreach (var o in (await kube.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: ct)).Items)
        {
            Add("Deployment", o.Metadata.NamespaceProperty, o.Metadata.Name, o.Spec, o.Metadata.Labels, o.Metadata.Annotations);
        }

        foreach (var o in (await kube.AppsV1.ListStatefulSetForAllNamespacesAsync(cancellationToken: ct)).Items)
        {
            Add("StatefulSet", o.Metadata.NamespaceProperty, o.Metadata.Name, o.Spec, o.Metadata.Labels);
        }

        foreach (var o in (await kube.AppsV1.ListDaemonSetForAllNamespacesAsync(cancellationToken: ct)).Items)
        {
            Add("DaemonSet", o.Metadata.NamespaceProperty, o.Metadata.Name, o.Spec, o.Metadata.Labels);
        }

        foreach (var o in (await kube.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: ct)).Items)
        {
            Add("Service", o.Metadata.NamespaceProperty, o.Metadata.Name, o.Spec?.Type, o.Spec?.Ports, o.Spec?.Selector, o.Spec?.ExternalIPs, o.Spec?.ExternalName);
        }

        foreach (var o in (await kube.CoreV1.ListConfigMapForAllNamespacesAsync(cancellationToken: ct)).Items)
        {
            Add("ConfigMap", o.Metadata.NamespaceProperty, o.Metadata.Name, o.Data, o.Metadata.Labels);
        }

        foreach (var o in (await kube.CoreV1.ListSecretForAllNamespacesAsync(cancellationToken: ct)).Items)
        {
            Add("Secret", o.Metadata.NamespaceProperty, o.Metadata.Name, o.Data, o.StringData, o.Metadata.Labels);
        }

        foreach (var o in (await kube.BatchV1.ListJobForAllNamespacesAsync(cancellationToken: ct)).Items)
        {
            Add("Job", o.Metadata.NamespaceProperty, o.Metadata.Name, o.Spec?.Template);
        }

        foreach (var o in (await kube.BatchV1.ListCronJobForAllNamespacesAsync(cancellationToken: ct)).Items)
        {
            Add("CronJob", o.Metadata.NamespaceProperty, o.Metadata.Name, o.Spec);
        }

        // Pods a controller made come and go by themselves; a pod nobody owns was created by a request.
        foreach (var o in (await kube.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct)).Items.Where(p => p.Metadata.OwnerReferences is not { Count: > 0 }))
        {
            Add("Pod", o.Metadata.NamespaceProperty, o.Metadata.Name, o.Spec?.Containers, o.Spec?.HostPID, o.Spec?.HostNetwork);
        }

        return state;
    }

    /// <summary>The objects created, deleted or changed between two readings.</summary>
    public static IReadOnlyList<string> Changes(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
        before.Keys.Union(after.Keys, StringComparer.Ordinal)
            .Where(k => !before.TryGetValue(k, out var b) || !after.TryGetValue(k, out var a) || a != b)
            .Select(k => !before.ContainsKey(k) ? $"created {k}" : !after.ContainsKey(k) ? $"deleted {k}" : $"changed {k}")
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string Hash(object?[] parts) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u0001", parts.Select(p => p is null ? "" : KubernetesJson.Serialize(p))))));
}
