using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation.Controllers;

/// <summary>Binds pending pods to schedulable nodes that match their node selector, least loaded first.</summary>
internal sealed class Scheduler(ControllerContext context) : Controller(context)
{
    public override ResourceType Kind => ResourceTypes.Pods;

    public override void Reconcile()
    {
        var nodes = All(ResourceTypes.Nodes);
        var pods = All(ResourceTypes.Pods);
        var load = nodes.ToDictionary(n => n.Name(), n => pods.Count(p => p.Str("spec", "nodeName") == n.Name() && Active(p)));
        var nodeNames = load.Keys.ToHashSet();
        foreach (var pod in pods.Where(Active))
        {
            var assigned = pod.Str("spec", "nodeName");
            if (assigned is not null)
            {
                if (!nodeNames.Contains(assigned))
                {
                    // Its node is gone: the pod goes with it, and its controller replaces it.
                    Store.Delete(ResourceTypes.Pods, pod.Namespace(), pod.Name());
                }
                continue;
            }
            var nodeSelector = pod.At("spec", "nodeSelector") is JsonObject s ? s.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "") : [];
            var candidates = nodes
                .Where(n => !n.Bool("spec", "unschedulable"))
                .Where(n => nodeSelector.All(kv => n.Labels().GetValueOrDefault(kv.Key) == kv.Value))
                .OrderBy(n => load[n.Name()]).ThenBy(n => n.Name(), StringComparer.Ordinal)
                .ToList();
            var now = Now;
            if (candidates.Count == 0)
            {
                var unschedulable = nodes.Count(n => n.Bool("spec", "unschedulable"));
                var message = nodes.Count == 0
                    ? "no nodes available to schedule pods"
                    : $"0/{nodes.Count} nodes are available: {(unschedulable > 0 ? $"{unschedulable} node(s) were unschedulable" : $"{nodes.Count} node(s) didn't match Pod's node affinity/selector")}.";
                Mutate(ResourceTypes.Pods, pod, p => SetPodCondition(p.Obj("status"), "PodScheduled", "False", now, "Unschedulable", message));
                continue;
            }
            var node = candidates[0].Name();
            load[node]++;
            Mutate(ResourceTypes.Pods, pod, p =>
            {
                p.Obj("spec")["nodeName"] = node;
                SetPodCondition(p.Obj("status"), "PodScheduled", "True", now);
            });
            Event(pod, "Normal", "Scheduled", $"Successfully assigned {pod.Namespace()}/{pod.Name()} to {node}");
        }
    }
}
