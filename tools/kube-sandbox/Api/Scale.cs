using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Api;

/// <summary>The <c>autoscaling/v1 Scale</c> view of a scalable workload.</summary>
internal static class Scale
{
    public static JsonObject From(JsonObject obj) => new()
    {
        ["kind"] = "Scale",
        ["apiVersion"] = "autoscaling/v1",
        ["metadata"] = new JsonObject
        {
            ["name"] = obj.Name(),
            ["namespace"] = obj.Namespace(),
            ["uid"] = obj.Uid(),
            ["resourceVersion"] = obj.Str("metadata", "resourceVersion"),
            ["creationTimestamp"] = obj.Str("metadata", "creationTimestamp"),
        },
        ["spec"] = new JsonObject { ["replicas"] = obj.Long("spec", "replicas") ?? 0 },
        ["status"] = new JsonObject
        {
            ["replicas"] = obj.Long("status", "replicas") ?? 0,
            ["selector"] = LabelSelector.Format(obj.At("spec", "selector")),
        },
    };
}

/// <summary>Int-or-percent fields (maxSurge, maxUnavailable, minAvailable).</summary>
internal static class IntOrPercent
{
    public static int Resolve(JsonNode? value, int total, bool roundUp, int fallback = 0)
    {
        if (value.Long() is { } i)
        {
            return (int)i;
        }
        var text = value?.ToString();
        if (text is { Length: > 1 } && text.EndsWith('%') && double.TryParse(text[..^1], out var percent))
        {
            var exact = total * percent / 100.0;
            return (int)(roundUp ? Math.Ceiling(exact) : Math.Floor(exact));
        }
        return int.TryParse(text, out var parsed) ? parsed : fallback;
    }
}

/// <summary>PodDisruptionBudget arithmetic shared by eviction and the budget's status.</summary>
internal static class Disruption
{
    public sealed record Budget(string Name, int ExpectedPods, int CurrentHealthy, int DesiredHealthy, int DisruptionsAllowed);

    public static bool Healthy(JsonObject pod) =>
        pod.At("metadata", "deletionTimestamp") is null
        && pod.Objects("status", "conditions").Any(c => c.Str("type") == "Ready" && c.Str("status") == "True");

    public static Budget Evaluate(IEnumerable<JsonObject> podsInNamespace, JsonObject pdb)
    {
        var selector = LabelSelector.FromObject(pdb.At("spec", "selector"));
        var pods = podsInNamespace
            .Where(p => selector.Matches(p.Labels()) && p.Str("status", "phase") is not ("Succeeded" or "Failed"))
            .ToList();
        var expected = pods.Count;
        var healthy = pods.Count(Healthy);
        var desired = pdb.At("spec", "minAvailable") is { } min
            ? IntOrPercent.Resolve(min, expected, roundUp: true)
            : Math.Max(0, expected - IntOrPercent.Resolve(pdb.At("spec", "maxUnavailable"), expected, roundUp: true, fallback: expected));
        return new Budget(pdb.Name(), expected, healthy, desired, Math.Max(0, healthy - desired));
    }

    /// <summary>The budget an eviction of <paramref name="pod"/> would violate, if any.</summary>
    public static Budget? Blocking(ObjectStore store, JsonObject pod)
    {
        if (!Healthy(pod))
        {
            return null;
        }
        var (pdbs, _) = store.List(ResourceTypes.PodDisruptionBudgets, pod.Namespace());
        var (pods, _) = store.List(ResourceTypes.Pods, pod.Namespace());
        return pdbs
            .Where(b => LabelSelector.FromObject(b.At("spec", "selector")).Matches(pod.Labels()))
            .Select(b => Evaluate(pods, b))
            .FirstOrDefault(b => b.DisruptionsAllowed <= 0);
    }
}
