using System.Text.Json.Nodes;

namespace K8sAgentPlatform.Executor.Tests.Support;

/// <summary>Compares two objects field by field and names every path that differs.</summary>
internal static class JsonDiff
{
    /// <summary>Written by controllers, not by whoever owns the object.</summary>
    private static readonly string[] Ignored =
    [
        "metadata.annotations.deployment.kubernetes.io/revision",
        "metadata.annotations.deployment.kubernetes.io/revision-history",
    ];

    public static IReadOnlyList<string> Differences(JsonNode? expected, JsonNode? actual)
    {
        var left = Flatten(expected);
        var right = Flatten(actual);
        return left.Keys.Union(right.Keys)
            .Where(k => !Ignored.Contains(k))
            .Where(k => !left.TryGetValue(k, out var a) | !right.TryGetValue(k, out var b) || a != b)
            .Select(k => $"{k}: expected {left.GetValueOrDefault(k) ?? "(absent)"}, got {right.GetValueOrDefault(k) ?? "(absent)"}")
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    private static Dictionary<string, string> Flatten(JsonNode? node)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(node, "", fields);
        return fields;
    }

    private static void Walk(JsonNode? node, string path, Dictionary<string, string> fields)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    Walk(value, path.Length == 0 ? key : $"{path}.{key}", fields);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], $"{path}[{i}]", fields);
                }

                break;
            case null:
                break;
            default:
                fields[path] = node.ToJsonString();
                break;
        }
    }
}
