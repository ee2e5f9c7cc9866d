using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace K8sAgentPlatform.KubeSandbox.Store;

/// <summary>Small accessors over Kubernetes objects held as <see cref="JsonObject"/>.</summary>
public static class JsonExtensions
{
    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(key, out node))
            {
                return null;
            }
        }
        return node;
    }

    public static string? Str(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static long? Long(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? (long)d
            : null;

    public static bool Bool(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    /// <summary>The child object under <paramref name="key"/>, created when absent or not an object.</summary>
    public static JsonObject Obj(this JsonObject o, string key)
    {
        if (o[key] is JsonObject child)
        {
            return child;
        }
        var created = new JsonObject();
        o[key] = created;
        return created;
    }

    public static JsonArray Arr(this JsonObject o, string key)
    {
        if (o[key] is JsonArray child)
        {
            return child;
        }
        var created = new JsonArray();
        o[key] = created;
        return created;
    }

    public static IEnumerable<JsonObject> Objects(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonArray a ? a.OfType<JsonObject>() : [];

    public static JsonObject Meta(this JsonObject o) => o.Obj("metadata");

    public static string Name(this JsonObject o) => o.Str("metadata", "name") ?? "";

    public static string? Namespace(this JsonObject o) => o.Str("metadata", "namespace");

    public static string Uid(this JsonObject o) => o.Str("metadata", "uid") ?? "";

    public static long Rv(this JsonObject o) =>
        long.TryParse(o.Str("metadata", "resourceVersion"), out var rv) ? rv : 0;

    public static IReadOnlyDictionary<string, string> Labels(this JsonNode? o, params string[] path)
    {
        var node = path.Length == 0 ? o.At("metadata", "labels") : o.At(path);
        return node is JsonObject labels
            ? labels.Where(p => p.Value is JsonValue).ToDictionary(p => p.Key, p => p.Value!.ToString())
            : new Dictionary<string, string>();
    }

    public static string? Annotation(this JsonObject o, string key) => o.Str("metadata", "annotations", key);

    public static void SetAnnotation(this JsonObject o, string key, string value) => o.Meta().Obj("annotations")[key] = value;

    /// <summary>Drops null-valued properties everywhere: typed Kubernetes objects treat null as absent.</summary>
    public static T WithoutNulls<T>(this T node) where T : JsonNode
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                {
                    if (value is null)
                    {
                        o.Remove(key);
                    }
                    else
                    {
                        value.WithoutNulls();
                    }
                }
                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    item?.WithoutNulls();
                }
                break;
        }
        return node;
    }

    public static JsonObject CloneObject(this JsonObject o) => o.DeepClone().AsObject();

    public static JsonNode? CloneNode(this JsonNode? n) => n?.DeepClone();

    public static JsonObject ParseObject(string json) =>
        JsonNode.Parse(json) as JsonObject ?? throw new JsonException("expected a JSON object");

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? Time(this JsonNode? node, params string[] path) =>
        node.Str(path) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>Controller-owner reference uid, if the object has one.</summary>
    public static string? ControllerUid(this JsonObject o) =>
        o.Objects("metadata", "ownerReferences").FirstOrDefault(r => r.Bool("controller"))?.Str("uid");

    public static IEnumerable<string> OwnerUids(this JsonObject o) =>
        o.Objects("metadata", "ownerReferences").Select(r => r.Str("uid")).OfType<string>();

    public static JsonObject OwnerReference(this JsonObject owner) => new()
    {
        ["apiVersion"] = owner.Str("apiVersion"),
        ["kind"] = owner.Str("kind"),
        ["name"] = owner.Name(),
        ["uid"] = owner.Uid(),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };
}
