using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation.Controllers;

/// <summary>Records core/v1 Events for every controller: once per object, reason and message (or updates its count).</summary>
internal sealed class EventRecorder(ObjectStore store, SandboxOptions options)
{
    private readonly HashSet<string> emitted = [];

    public void Record(JsonObject involved, string type, string reason, string message, bool unique = true, int count = 1)
    {
        var key = $"{involved.Uid()}|{reason}|{message}";
        var now = JsonExtensions.Timestamp(options.TimeProvider.GetUtcNow());
        var name = unique || count > 1
            ? $"{involved.Name()}.{Templates.HashText(key)}"
            : $"{involved.Name()}.{Guid.NewGuid().ToString("N")[..16]}";
        if ((unique || count > 1) && !emitted.Add(key))
        {
            if (count > 1 && store.TryGet(ResourceTypes.Events, involved.Namespace(), name) is { } existing && existing.Long("count") != count)
            {
                store.Update(ResourceTypes.Events, existing.Namespace(), existing.Name(), e =>
                {
                    e["count"] = count;
                    e["lastTimestamp"] = now;
                    return e;
                }, WriteScope.Internal);
            }
            return;
        }
        var ns = involved.Namespace() ?? "default";
        try
        {
            store.Create(ResourceTypes.Events, ns, new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
                ["involvedObject"] = new JsonObject
                {
                    ["kind"] = involved.Str("kind"),
                    ["namespace"] = involved.Namespace(),
                    ["name"] = involved.Name(),
                    ["uid"] = involved.Uid(),
                    ["apiVersion"] = involved.Str("apiVersion"),
                    ["resourceVersion"] = involved.Str("metadata", "resourceVersion"),
                },
                ["reason"] = reason,
                ["message"] = message,
                ["type"] = type,
                ["source"] = new JsonObject { ["component"] = reason is "Scheduled" ? "default-scheduler" : involved.Str("kind") == "Pod" ? "kubelet" : $"{involved.Str("kind")?.ToLowerInvariant()}-controller" },
                ["firstTimestamp"] = now,
                ["lastTimestamp"] = now,
                ["count"] = count,
                ["reportingComponent"] = "",
                ["reportingInstance"] = "",
            }, scope: WriteScope.Internal);
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
            // The namespace is going away, or the name repeats: the event is not worth a retry.
        }
    }
}
