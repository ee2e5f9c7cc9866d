using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Store;
using Microsoft.AspNetCore.Http;

namespace K8sAgentPlatform.KubeSandbox.Api;

/// <summary><c>meta.k8s.io/v1 Table</c> answers, the columns kubectl get prints.</summary>
internal static class Tables
{
    private sealed record Column(string Name, string Type, int Priority, Func<JsonObject, DateTimeOffset, JsonNode?> Cell, string Format = "");

    public static bool Wanted(HttpRequest request) =>
        request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    public static JsonObject For(ResourceType type, IEnumerable<JsonObject> items, string resourceVersion, DateTimeOffset now, HttpRequest request)
    {
        var columns = ColumnsFor(type);
        var include = request.Query["includeObject"].ToString() is { Length: > 0 } i ? i : "Metadata";
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var row = new JsonObject
            {
                ["cells"] = new JsonArray(columns.Select(c => c.Cell(item, now)).ToArray()),
            };
            row["object"] = include switch
            {
                "None" => null,
                "Object" => item.CloneObject(),
                _ => new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = item["metadata"].CloneNode(),
                },
            };
            rows.Add(row);
        }
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
            ["columnDefinitions"] = new JsonArray(columns.Select(c => (JsonNode?)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format,
                ["description"] = c.Name,
                ["priority"] = c.Priority,
            }).ToArray()),
            ["rows"] = rows,
        };
    }

    private static Column Name => new("Name", "string", 0, (o, _) => o.Name(), "name");

    private static Column Age => new("Age", "string", 0, (o, now) => HumanAge(o.Time("metadata", "creationTimestamp"), now));

    private static Column Text(string name, Func<JsonObject, string?> cell, int priority = 0) =>
        new(name, "string", priority, (o, _) => cell(o) ?? "<none>");

    private static Column Number(string name, Func<JsonObject, long> cell) =>
        new(name, "integer", 0, (o, _) => cell(o));

    private static List<Column> ColumnsFor(ResourceType type) => type.Kind switch
    {
        "Pod" =>
        [
            Name,
            Text("Ready", o => $"{o.Objects("status", "containerStatuses").Count(c => c.Bool("ready"))}/{o.Objects("spec", "containers").Count()}"),
            Text("Status", PodStatus),
            Text("Restarts", o => o.Objects("status", "containerStatuses").Sum(c => c.Long("restartCount") ?? 0).ToString()),
            Age,
            Text("IP", o => o.Str("status", "podIP"), 1),
            Text("Node", o => o.Str("spec", "nodeName"), 1),
            Text("Nominated Node", _ => null, 1),
            Text("Readiness Gates", _ => null, 1),
        ],
        "Deployment" =>
        [
            Name,
            Text("Ready", o => $"{o.Long("status", "readyReplicas") ?? 0}/{o.Long("spec", "replicas") ?? 0}"),
            Number("Up-to-date", o => o.Long("status", "updatedReplicas") ?? 0),
            Number("Available", o => o.Long("status", "availableReplicas") ?? 0),
            Age,
            Text("Containers", Containers, 1),
            Text("Images", Images, 1),
            Text("Selector", o => LabelSelector.Format(o.At("spec", "selector")), 1),
        ],
        "ReplicaSet" =>
        [
            Name,
            Number("Desired", o => o.Long("spec", "replicas") ?? 0),
            Number("Current", o => o.Long("status", "replicas") ?? 0),
            Number("Ready", o => o.Long("status", "readyReplicas") ?? 0),
            Age,
            Text("Containers", Containers, 1),
            Text("Images", Images, 1),
            Text("Selector", o => LabelSelector.Format(o.At("spec", "selector")), 1),
        ],
        "StatefulSet" =>
        [
            Name,
            Text("Ready", o => $"{o.Long("status", "readyReplicas") ?? 0}/{o.Long("spec", "replicas") ?? 0}"),
            Age,
            Text("Containers", Containers, 1),
            Text("Images", Images, 1),
        ],
        "DaemonSet" =>
        [
            Name,
            Number("Desired", o => o.Long("status", "desiredNumberScheduled") ?? 0),
            Number("Current", o => o.Long("status", "currentNumberScheduled") ?? 0),
            Number("Ready", o => o.Long("status", "numberReady") ?? 0),
            Number("Up-to-date", o => o.Long("status", "updatedNumberScheduled") ?? 0),
            Number("Available", o => o.Long("status", "numberAvailable") ?? 0),
            Text("Node Selector", o => o.At("spec", "template", "spec", "nodeSelector") is JsonObject s && s.Count > 0
                ? string.Join(",", s.Select(p => $"{p.Key}={p.Value}")) : null),
            Age,
            Text("Containers", Containers, 1),
            Text("Images", Images, 1),
        ],
        "Node" =>
        [
            Name,
            Text("Status", o =>
            {
                var ready = o.Objects("status", "conditions").Any(c => c.Str("type") == "Ready" && c.Str("status") == "True") ? "Ready" : "NotReady";
                return o.Bool("spec", "unschedulable") ? $"{ready},SchedulingDisabled" : ready;
            }),
            Text("Roles", o =>
            {
                var roles = o.Labels().Keys.Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
                    .Select(k => k["node-role.kubernetes.io/".Length..]).ToList();
                return roles.Count == 0 ? null : string.Join(",", roles);
            }),
            Age,
            Text("Version", o => o.Str("status", "nodeInfo", "kubeletVersion")),
            Text("Internal-IP", o => o.Objects("status", "addresses").FirstOrDefault(a => a.Str("type") == "InternalIP")?.Str("address"), 1),
            Text("External-IP", o => o.Objects("status", "addresses").FirstOrDefault(a => a.Str("type") == "ExternalIP")?.Str("address"), 1),
            Text("OS-Image", o => o.Str("status", "nodeInfo", "osImage"), 1),
            Text("Kernel-Version", o => o.Str("status", "nodeInfo", "kernelVersion"), 1),
            Text("Container-Runtime", o => o.Str("status", "nodeInfo", "containerRuntimeVersion"), 1),
        ],
        "Service" =>
        [
            Name,
            Text("Type", o => o.Str("spec", "type")),
            Text("Cluster-IP", o => o.Str("spec", "clusterIP")),
            Text("External-IP", o => o.Objects("status", "loadBalancer", "ingress").FirstOrDefault()?.Str("ip")),
            Text("Port(s)", o => string.Join(",", o.Objects("spec", "ports").Select(p => $"{p.Long("port")}/{p.Str("protocol") ?? "TCP"}"))),
            Age,
            Text("Selector", o => o.At("spec", "selector") is JsonObject s ? string.Join(",", s.Select(p => $"{p.Key}={p.Value}")) : null, 1),
        ],
        "ConfigMap" => [Name, Number("Data", o => ((o["data"] as JsonObject)?.Count ?? 0) + ((o["binaryData"] as JsonObject)?.Count ?? 0)), Age],
        "Secret" => [Name, Text("Type", o => o.Str("type")), Number("Data", o => (o["data"] as JsonObject)?.Count ?? 0), Age],
        "Namespace" => [Name, Text("Status", o => o.Str("status", "phase")), Age],
        "PodDisruptionBudget" =>
        [
            Name,
            Text("Min Available", o => o.At("spec", "minAvailable")?.ToString() ?? "N/A"),
            Text("Max Unavailable", o => o.At("spec", "maxUnavailable")?.ToString() ?? "N/A"),
            Number("Allowed Disruptions", o => o.Long("status", "disruptionsAllowed") ?? 0),
            Age,
        ],
        "Event" =>
        [
            new("Last Seen", "string", 0, (o, now) => HumanAge(o.Time("lastTimestamp") ?? o.Time("metadata", "creationTimestamp"), now)),
            Text("Type", o => o.Str("type")),
            Text("Reason", o => o.Str("reason")),
            Text("Object", o => $"{o.Str("involvedObject", "kind")?.ToLowerInvariant()}/{o.Str("involvedObject", "name")}"),
            Text("Message", o => o.Str("message")),
        ],
        _ => [Name, Age],
    };

    private static string Containers(JsonObject o) =>
        string.Join(",", o.Objects("spec", "template", "spec", "containers").Select(c => c.Str("name")));

    private static string Images(JsonObject o) =>
        string.Join(",", o.Objects("spec", "template", "spec", "containers").Select(c => c.Str("image")));

    public static string PodStatus(JsonObject pod)
    {
        if (pod.At("metadata", "deletionTimestamp") is not null)
        {
            return "Terminating";
        }
        var reason = pod.Str("status", "reason") ?? pod.Str("status", "phase") ?? "Unknown";
        foreach (var c in pod.Objects("status", "containerStatuses"))
        {
            if (c.Str("state", "waiting", "reason") is { Length: > 0 } waiting)
            {
                reason = waiting;
            }
            else if (c.Str("state", "terminated", "reason") is { Length: > 0 } terminated)
            {
                reason = terminated;
            }
        }
        return reason;
    }

    /// <summary>The short ages kubectl prints (Kubernetes' HumanDuration).</summary>
    public static string HumanAge(DateTimeOffset? since, DateTimeOffset now)
    {
        if (since is null)
        {
            return "<unknown>";
        }
        var d = now - since.Value;
        var seconds = (long)d.TotalSeconds;
        if (seconds < 0)
        {
            return "0s";
        }
        if (seconds < 120)
        {
            return $"{seconds}s";
        }
        var minutes = (long)d.TotalMinutes;
        if (minutes < 10)
        {
            return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        }
        if (minutes < 180)
        {
            return $"{minutes}m";
        }
        var hours = (long)d.TotalHours;
        if (hours < 8)
        {
            return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        }
        if (hours < 48)
        {
            return $"{hours}h";
        }
        if (hours < 24 * 8)
        {
            return hours % 24 == 0 ? $"{hours / 24}d" : $"{hours / 24}d{hours % 24}h";
        }
        if (hours < 24 * 365 * 2)
        {
            return $"{hours / 24}d";
        }
        return $"{hours / 24 / 365}y";
    }
}
