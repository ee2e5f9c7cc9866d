using System.Text.Json;
using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Api;

public enum PatchType
{
    Merge,
    Json,
    StrategicMerge,
    Apply,
}

/// <summary>The three patch formats of the Kubernetes API: JSON merge and JSON patch here, strategic merge in <see cref="StrategicMerge"/>.</summary>
public static class Patches
{
    public static PatchType? TypeOf(string? mediaType) => mediaType switch
    {
        "application/merge-patch+json" => PatchType.Merge,
        "application/json-patch+json" => PatchType.Json,
        "application/strategic-merge-patch+json" => PatchType.StrategicMerge,
        "application/apply-patch+yaml" or "application/apply-patch+json" => PatchType.Apply,
        _ => null,
    };

    public static JsonObject Apply(JsonObject target, PatchType type, JsonNode? patch) => type switch
    {
        PatchType.Merge => MergePatch(target, patch as JsonObject ?? throw ApiException.BadRequest("a merge patch must be a JSON object")),
        PatchType.Json => JsonPatch(target, patch as JsonArray ?? throw ApiException.BadRequest("a JSON patch must be an array of operations")),
        _ => StrategicMerge.Apply(target, patch as JsonObject ?? throw ApiException.BadRequest("a strategic merge patch must be a JSON object")),
    };

    /// <summary>RFC 7386: objects merge, null deletes, everything else replaces.</summary>
    public static JsonObject MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchChild)
            {
                var child = target[key] as JsonObject ?? new JsonObject();
                target[key] = MergePatch(child.CloneObject(), patchChild);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
        return target;
    }

    /// <summary>RFC 6902 operations: add, remove, replace, move, copy, test.</summary>
    public static JsonObject JsonPatch(JsonObject target, JsonArray operations)
    {
        JsonNode root = target;
        foreach (var op in operations.OfType<JsonObject>())
        {
            var path = op.Str("path") ?? throw ApiException.BadRequest("JSON patch operation without a path");
            switch (op.Str("op"))
            {
                case "add":
                    root = Add(root, path, op["value"].CloneNode());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    root = Add(root, path, op["value"].CloneNode());
                    break;
                case "move":
                    {
                        var from = op.Str("from") ?? throw ApiException.BadRequest("move without from");
                        var value = Resolve(root, from).CloneNode();
                        Remove(root, from);
                        root = Add(root, path, value);
                        break;
                    }
                case "copy":
                    root = Add(root, path, Resolve(root, op.Str("from") ?? throw ApiException.BadRequest("copy without from")).CloneNode());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(root, path), op["value"]))
                    {
                        throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                    }
                    break;
                default:
                    throw ApiException.BadRequest($"Unexpected kind: {op.Str("op")}");
            }
        }
        return root as JsonObject ?? throw ApiException.BadRequest("a JSON patch must leave an object");
    }

    private static string[] Tokens(string pointer) =>
        pointer.Length == 0 ? [] : pointer[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToArray();

    private static JsonNode? Resolve(JsonNode root, string pointer)
    {
        JsonNode? node = root;
        foreach (var token in Tokens(pointer))
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var child) => child,
                JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: path {pointer} not found"),
            };
        }
        return node;
    }

    private static JsonNode Add(JsonNode root, string pointer, JsonNode? value)
    {
        var tokens = Tokens(pointer);
        if (tokens.Length == 0)
        {
            return value ?? throw ApiException.BadRequest("cannot replace the whole document with null");
        }
        var parent = Parent(root, tokens);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: cannot add at {pointer}");
        }
        return root;
    }

    private static void Remove(JsonNode root, string pointer)
    {
        var tokens = Tokens(pointer);
        var parent = Parent(root, tokens);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                a.RemoveAt(i);
                break;
            default:
                throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: path {pointer} not found");
        }
    }

    private static JsonNode? Parent(JsonNode root, string[] tokens) =>
        tokens.Length == 1 ? root : Resolve(root, "/" + string.Join('/', tokens[..^1].Select(t => t.Replace("~", "~0").Replace("/", "~1"))));

    public static JsonNode? ParseBody(string body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"error decoding request body: {e.Message}");
        }
    }
}
