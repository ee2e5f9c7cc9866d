using System.Text.Json.Nodes;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>Label selectors for list calls, built from a workload's pod selector.</summary>
public static class LabelSelectors
{
    /// <summary>
    /// The matchLabels as a label selector (<c>app=web,tier=front</c>), or null when there are none. A selector that also
    /// has matchExpressions selects a subset of this, so callers still check what they get (by owner, for instance).
    /// </summary>
    public static string? FromMatchLabels(IEnumerable<KeyValuePair<string, string>>? matchLabels) =>
        matchLabels?.Select(l => $"{l.Key}={l.Value}").ToArray() is { Length: > 0 } pairs ? string.Join(",", pairs) : null;

    /// <summary>The same from an object's JSON: its <c>spec.selector.matchLabels</c>.</summary>
    public static string? FromSpec(JsonNode? obj) =>
        obj?["spec"]?["selector"]?["matchLabels"] is JsonObject match
            ? FromMatchLabels(match.Select(p => new KeyValuePair<string, string>(p.Key, p.Value?.ToString() ?? "")))
            : null;
}
