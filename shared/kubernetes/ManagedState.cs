using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using K8sAgentPlatform.Contracts;
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
        var found = AllChanges(before, after, maskValues, maxValueLength: 80)
            .Select(c => maskValues ? $"{c.Path} changed" : $"{c.Path}: {c.Before ?? Absent} -> {c.After ?? Absent}")
            .ToList();
        return found.Count <= max ? found : [.. found.Take(max), $"and {found.Count - max} more field(s)"];
    }

    /// <summary>
    /// The managed fields that differ between two states of an object (server metadata, status and server-written
    /// annotations aside), in path order: at most <paramref name="max"/>, then one entry without values that says how many
    /// more there are. Values longer than <paramref name="maxValueLength"/> are cut. With <paramref name="maskValues"/>
    /// (a Secret) every value present reads <see cref="FieldChange.Redacted"/>.
    /// </summary>
    public static IReadOnlyList<FieldChange> Changes(JsonObject before, JsonObject after, bool maskValues, int max = 50, int maxValueLength = 200)
    {
        var found = AllChanges(before, after, maskValues, maxValueLength);
        return Capped(found, max);
    }

    /// <summary>At most <paramref name="max"/> changes, then one entry without values that says how many more there are.</summary>
    public static IReadOnlyList<FieldChange> Capped(IReadOnlyList<FieldChange> changes, int max = 50) =>
        changes.Count <= max ? changes : [.. changes.Take(max), new FieldChange($"({changes.Count - max} more field(s) not shown)", null, null)];

    private const string Absent = "(absent)";

    // People read these values: a "+" in a timestamp should not turn into \u002B. A page that shows them must encode them (Razor does).
    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static List<FieldChange> AllChanges(JsonObject before, JsonObject after, bool maskValues, int maxValueLength)
    {
        var found = new List<FieldChange>();
        Compare(Comparable(before), Comparable(after), "", found, value => value is null ? null : maskValues ? FieldChange.Redacted : Shown(value, maxValueLength));
        return found;
    }

    private static void Compare(JsonNode? before, JsonNode? after, string path, List<FieldChange> found, Func<JsonNode?, string?> shown)
    {
        if (JsonNode.DeepEquals(before, after))
        {
            return;
        }

        // An object added or removed whole is listed field by field, so its keys are named (a Secret's too, never its values).
        if (before is JsonObject or null && after is JsonObject or null && (before ?? after) is JsonObject)
        {
            var a = before as JsonObject ?? new JsonObject();
            var b = after as JsonObject ?? new JsonObject();
            var foundBefore = found.Count;
            foreach (var key in a.Select(p => p.Key).Union(b.Select(p => p.Key)).Order(StringComparer.Ordinal))
            {
                Compare(a[key], b[key], Child(path, key), found, shown);
            }

            if (found.Count > foundBefore)
            {
                return;
            }
        }

        if (before is JsonArray x && after is JsonArray y && x.Count == y.Count)
        {
            for (var i = 0; i < x.Count; i++)
            {
                Compare(x[i], y[i], $"{path}[{i}]", found, shown);
            }

            return;
        }

        found.Add(new FieldChange(path, shown(before), shown(after)));
    }

    /// <summary>Keys such as annotation names hold dots and slashes; they are quoted so the path stays unambiguous.</summary>
    private static string Child(string path, string key)
    {
        var simple = key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
        return simple ? (path.Length == 0 ? key : $"{path}.{key}") : $"{path}[\"{key}\"]";
    }

    private static string Shown(JsonNode value, int maxLength)
    {
        var text = value.ToJsonString(Readable);
        return text.Length <= maxLength ? text : text[..(maxLength - 3)] + "...";
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
