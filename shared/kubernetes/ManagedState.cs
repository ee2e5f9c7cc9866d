using System.Text.Json.Nodes;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Persistence;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>
/// The part of an object that its owners manage (spec, data, labels, annotations...), as opposed to what the
/// server manages (status, resourceVersion, uid, generation...). Snapshots keep the managed part; restores
/// put it back; concurrent-edit checks compare it.
/// </summary>
public static class ManagedState
{
    private static readonly string[] ServerMetadata =
        ["resourceVersion", "uid", "managedFields", "creationTimestamp", "generation", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"];

    /// <summary>Annotations the controllers write; a restore keeps the live value and comparisons ignore them.</summary>
    private static readonly string[] ServerAnnotations =
        ["deployment.kubernetes.io/revision", "deployment.kubernetes.io/revision-history"];

    private static readonly string[] Envelope = ["apiVersion", "kind", "metadata", "status"];

    /// <summary>A copy of the object without status and server-managed metadata.</summary>
    public static JsonObject Of(JsonObject live)
    {
        var copy = live.Clone();
        copy.Remove("status");
        var metadata = copy.Metadata();
        foreach (var key in ServerMetadata)
        {
            metadata.Remove(key);
        }

        return copy;
    }

    /// <summary>True when the managed parts are equal (server-written annotations aside).</summary>
    public static bool Same(JsonObject a, JsonObject b) => JsonNode.DeepEquals(Comparable(a), Comparable(b));

    /// <summary>
    /// The live object with the snapshot's managed fields put back: every top-level field other than the
    /// envelope (spec, data, stringData, binaryData, type...), labels and annotations. Identity, owner references
    /// and finalizers stay as they are live, and so does the resourceVersion, which becomes the precondition.
    /// </summary>
    public static JsonObject Restored(JsonObject live, JsonObject snapshot)
    {
        var desired = live.Clone();
        foreach (var key in desired.Select(p => p.Key).Where(k => !Envelope.Contains(k)).ToArray())
        {
            desired.Remove(key);
        }

        foreach (var (key, value) in snapshot.Where(p => !Envelope.Contains(p.Key)))
        {
            desired[key] = value?.DeepClone();
        }

        var metadata = desired.Metadata();
        var saved = snapshot["metadata"] as JsonObject;
        metadata["labels"] = saved?["labels"]?.DeepClone();
        var annotations = saved?["annotations"]?.DeepClone() as JsonObject ?? new JsonObject();
        foreach (var key in ServerAnnotations)
        {
            annotations.Remove(key);
            if (live["metadata"]?["annotations"]?[key] is { } liveValue)
            {
                annotations[key] = liveValue.DeepClone();
            }
        }

        metadata["annotations"] = annotations.Count == 0 ? null : annotations;
        foreach (var key in new[] { "labels", "annotations" })
        {
            if (metadata[key] is null)
            {
                metadata.Remove(key);
            }
        }

        return desired;
    }

    /// <summary>An object ready to be created again from a snapshot: no server fields, namespace set.</summary>
    public static JsonObject ForCreate(JsonObject snapshot, string? ns)
    {
        var obj = Of(snapshot);
        if (ns is not null)
        {
            obj.Metadata()["namespace"] = ns;
        }

        return obj;
    }

    /// <summary>
    /// The managed fields that differ between two states of an object, as "path: before -> after" lines (at most
    /// <paramref name="max"/>, then a count of the rest), server-written annotations aside. With
    /// <paramref name="maskValues"/> (a Secret) only the paths are named, never a value.
    /// </summary>
    public static IReadOnlyList<string> Differences(JsonObject before, JsonObject after, bool maskValues, int max = 8)
    {
        var found = new List<string>();
        Compare(Comparable(before), Comparable(after), "", found, maskValues);
        return found.Count <= max ? found : [.. found.Take(max), $"and {found.Count - max} more field(s)"];
    }

    private static void Compare(JsonNode? before, JsonNode? after, string path, List<string> found, bool maskValues)
    {
        if (JsonNode.DeepEquals(before, after))
        {
            return;
        }

        if (before is JsonObject a && after is JsonObject b)
        {
            foreach (var key in a.Select(p => p.Key).Union(b.Select(p => p.Key)).Order(StringComparer.Ordinal))
            {
                Compare(a[key], b[key], path.Length == 0 ? key : $"{path}.{key}", found, maskValues);
            }

            return;
        }

        if (before is JsonArray x && after is JsonArray y && x.Count == y.Count)
        {
            for (var i = 0; i < x.Count; i++)
            {
                Compare(x[i], y[i], $"{path}[{i}]", found, maskValues);
            }

            return;
        }

        found.Add(maskValues ? $"{path} changed" : $"{path}: {Shown(before)} -> {Shown(after)}");
    }

    private static string Shown(JsonNode? value)
    {
        var text = value is null ? "(absent)" : value.ToJsonString();
        return text.Length <= 80 ? text : text[..77] + "...";
    }

    private static JsonObject Comparable(JsonObject obj)
    {
        var copy = Of(obj);
        copy.Remove("kind");
        copy.Remove("apiVersion");
        if (copy["metadata"]?["annotations"] is JsonObject annotations)
        {
            foreach (var key in ServerAnnotations)
            {
                annotations.Remove(key);
            }

            if (annotations.Count == 0)
            {
                copy.Metadata().Remove("annotations");
            }
        }

        if (copy["metadata"]?["labels"] is JsonObject { Count: 0 })
        {
            copy.Metadata().Remove("labels");
        }

        return copy;
    }
}

/// <summary>Maps Kubernetes kinds back to the contract's resource types.</summary>
public static class ResourceKinds
{
    public static ResourceType? Of(string? apiVersion, string? kind) =>
        Enum.GetValues<ResourceType>().Cast<ResourceType?>().FirstOrDefault(t =>
            Kinds.Of(t!.Value) is var (k, v) && k == kind && (apiVersion is null || v == apiVersion));

    public static bool IsWorkload(ResourceType type) =>
        type is ResourceType.Deployment or ResourceType.StatefulSet or ResourceType.DaemonSet or ResourceType.ReplicaSet;
}
