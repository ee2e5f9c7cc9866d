using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;

namespace K8sAgentPlatform.Executor.Execution;

public sealed partial class OperationExecutor
{
    /// <summary>A few lines: replicas (desired/ready/updated), conditions, recent events. Secret values never appear.</summary>
    private async Task<Outcome> GetStatusAsync(Run run)
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

        if (run.Namespace is { } ns)
        {
            var uid = Str(obj["metadata"], "uid");
            var events = await Client.CoreV1.ListNamespacedEventAsync(namespaceParameter: ns, cancellationToken: run.CancellationToken);
            var recent = events.Items
                .Where(e => e.InvolvedObject?.Uid == uid || e.InvolvedObject?.Name?.StartsWith(run.Name, StringComparison.Ordinal) == true)
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

    private static string? Str(JsonNode? node, string key) => node?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>Logs of a pod, or of a workload's newest pods; container, tail and since as asked.</summary>
    private async Task<Outcome> GetLogsAsync(Run run)
    {
        var parameters = run.Operation.Parameters as GetLogsParameters ?? new GetLogsParameters();
        var ns = run.Namespace!;
        IReadOnlyList<V1Pod> pods;
        if (run.Type == ResourceType.Pod)
        {
            pods = [await Client.CoreV1.ReadNamespacedPodAsync(name: run.Name, namespaceParameter: ns, cancellationToken: run.CancellationToken)];
        }
        else
        {
            var obj = await objects.ReadAsync(run.Type, ns, run.Name, run.CancellationToken);
            if (obj is null)
            {
                return Outcome.Failed($"{run.Target} does not exist");
            }

            if (obj["spec"]?["selector"]?["matchLabels"] is not JsonObject { Count: > 0 } match)
            {
                return Outcome.Failed($"{run.Target} has no pod selector to find its pods by");
            }

            var selector = string.Join(",", match.Select(p => $"{p.Key}={p.Value}"));
            var list = await Client.CoreV1.ListNamespacedPodAsync(namespaceParameter: ns, labelSelector: selector, cancellationToken: run.CancellationToken);
            pods = list.Items.OrderByDescending(p => p.Metadata.CreationTimestamp).Take(settings.MaxLogPods).ToArray();
        }

        if (pods.Count == 0)
        {
            return Outcome.Ok($"{run.Target} has no pods");
        }

        var text = new StringBuilder();
        foreach (var pod in pods)
        {
            var container = parameters.ContainerName
                ?? (pod.Metadata.Annotations?.TryGetValue("kubectl.kubernetes.io/default-container", out var preferred) == true ? preferred : null)
                ?? pod.Spec.Containers.FirstOrDefault()?.Name;
            if (container is null || !pod.Spec.Containers.Any(c => c.Name == container))
            {
                text.Append($"==> pod/{pod.Metadata.Name}: no container '{container}' <==\n");
                continue;
            }

            await using var stream = await Client.CoreV1.ReadNamespacedPodLogAsync(
                name: pod.Metadata.Name, namespaceParameter: ns, container: container,
                tailLines: parameters.EffectiveTailLines, sinceSeconds: parameters.SinceSeconds, cancellationToken: run.CancellationToken);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var log = await reader.ReadToEndAsync(run.CancellationToken);
            text.Append($"==> pod/{pod.Metadata.Name} container {container} <==\n").Append(log);
            if (!log.EndsWith('\n') && log.Length > 0)
            {
                text.Append('\n');
            }

            if (text.Length > settings.MaxLogCharacters)
            {
                break;
            }
        }

        var result = text.Length > settings.MaxLogCharacters
            ? text.ToString(text.Length - settings.MaxLogCharacters, settings.MaxLogCharacters)
            : text.ToString();
        return Outcome.Ok(result.TrimEnd('\n'));
    }
}
