using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;

namespace K8sAgentPlatform.Executor.Execution.Operations;

/// <summary>get_status: read-only, no snapshot.</summary>
internal sealed class GetStatusHandler(KubernetesObjects objects) : IOperationHandler
{
    public OperationType Type => OperationType.GetStatus;

    /// <summary>A few lines: replicas (desired/ready/updated), conditions, recent events. Secret values never appear.</summary>
    public async Task<Outcome> ExecuteAsync(Run run)
    {
        var obj = await objects.ReadAsync(run.Type, run.Namespace, run.Name, run.CancellationToken);
        if (obj is null)
        {
            return Outcome.Failed($"{run.Target} does not exist");
        }

        var lines = new List<string> { $"{run.Target}: {Headline(run.Type, obj)}" };
        if (obj["status"]?["conditions"] is JsonArray conditions && conditions.Count > 0)
        {
            lines.Add("conditions: " + string.Join(", ", conditions.OfType<JsonObject>().Select(c =>
                $"{Str(c, "type")}={Str(c, "status")}{(Str(c, "reason") is { } reason ? $" ({reason})" : "")}")));
        }

        if (run.Namespace is { } ns && Str(obj["metadata"], "uid") is { } uid)
        {
            // Two lists the API server filters, never every event of the namespace (thousands on a busy cluster): the
            // object's own events, and the warnings of the pods and ReplicaSets named after it (image pulls, crashes).
            var own = objects.Client.CoreV1.ListNamespacedEventAsync(namespaceParameter: ns, fieldSelector: $"involvedObject.uid={uid}",
                cancellationToken: run.CancellationToken);
            var warnings = objects.Client.CoreV1.ListNamespacedEventAsync(namespaceParameter: ns, fieldSelector: "type=Warning",
                cancellationToken: run.CancellationToken);
            await Task.WhenAll(own, warnings);
            var recent = own.Result.Items
                .Concat(warnings.Result.Items.Where(e => e.InvolvedObject?.Uid != uid && IsNamedAfter(e.InvolvedObject, run.Name)))
                .OrderByDescending(e => e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp)
                .Take(5)
                .Select(e => $"  {e.Type} {e.Reason} {e.InvolvedObject.Kind?.ToLowerInvariant()}/{e.InvolvedObject.Name}: {e.Message}")
                .ToArray();
            if (recent.Length > 0)
            {
                lines.Add("recent events:");
                lines.AddRange(recent);
            }
        }

        return Outcome.Ok(string.Join('\n', lines));
    }

    private static string Headline(ResourceType type, JsonObject obj)
    {
        var spec = obj["spec"];
        var status = obj["status"];
        long Num(JsonNode? node, string key) => node?[key]?.GetValue<long>() ?? 0;
        return type switch
        {
            ResourceType.Deployment or ResourceType.StatefulSet or ResourceType.ReplicaSet =>
                $"desired {spec?["replicas"]?.GetValue<long>() ?? 1}, ready {Num(status, "readyReplicas")}, updated {Num(status, "updatedReplicas")}, available {Num(status, "availableReplicas")}",
            ResourceType.DaemonSet =>
                $"desired {Num(status, "desiredNumberScheduled")}, ready {Num(status, "numberReady")}, updated {Num(status, "updatedNumberScheduled")}, available {Num(status, "numberAvailable")}",
            ResourceType.Pod => $"{Str(status, "phase") ?? "Unknown"}; " + string.Join("; ", (status?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().Select(c =>
                $"{Str(c, "name")}: {(c["state"] as JsonObject)?.Select(s => s.Key + (Str(s.Value, "reason") is { } r ? $" ({r})" : "")).FirstOrDefault() ?? "unknown"}, restarts {c["restartCount"]?.GetValue<long>() ?? 0}")),
            ResourceType.Node => spec?["unschedulable"]?.GetValue<bool>() == true ? "unschedulable (cordoned)" : "schedulable",
            ResourceType.ConfigMap or ResourceType.Secret =>
                // Key names only: values (of a Secret above all) never leave the cluster through a result.
                $"keys: {string.Join(", ", (obj["data"] as JsonObject ?? []).Select(p => p.Key).Order(StringComparer.Ordinal))}",
            ResourceType.Job => $"active {Num(status, "active")}, succeeded {Num(status, "succeeded")}, failed {Num(status, "failed")}",
            _ => $"exists (resourceVersion {obj.ResourceVersion()})",
        };
    }

    /// <summary>A pod or ReplicaSet a controller named after the object: <c>web-7d9c…</c> for deployment <c>web</c>.</summary>
    private static bool IsNamedAfter(V1ObjectReference? involved, string name) =>
        involved is { Kind: "Pod" or "ReplicaSet", Name: { } objectName } && objectName.StartsWith(name + "-", StringComparison.Ordinal);

    private static string? Str(JsonNode? node, string key) => node?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
