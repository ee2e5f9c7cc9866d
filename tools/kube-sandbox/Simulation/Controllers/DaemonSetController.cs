using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation.Controllers;

/// <summary>One pod per eligible node for every daemonset, rolled one at a time, and their status.</summary>
internal sealed class DaemonSetController(ControllerContext context) : Controller(context)
{
    public override ResourceType Kind => ResourceTypes.DaemonSets;

    public override void Reconcile()
    {
        var nodes = All(ResourceTypes.Nodes);
        foreach (var ds in All(ResourceTypes.DaemonSets))
        {
            var template = ds.At("spec", "template");
            var hash = Templates.Hash(template);
            EnsureRevision(ds, $"{ds.Name()}-{hash}", template);
            var selector = ds.At("spec", "template", "spec", "nodeSelector") is JsonObject s
                ? s.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "") : [];
            var eligible = nodes.Where(n => selector.All(kv => n.Labels().GetValueOrDefault(kv.Key) == kv.Value)).Select(n => n.Name()).ToHashSet();
            var pods = Owned(ResourceTypes.Pods, ds).Where(Active).ToList();
            foreach (var node in eligible.Where(n => !pods.Any(p => p.Str("spec", "nodeName") == n)))
            {
                var pod = NewPod(ds, $"{ds.Name()}-{Admission.RandomSuffix()}", template, node, p =>
                {
                    var labels = p.Meta().Obj("labels");
                    labels[Templates.ControllerRevisionHash] = hash;
                    labels["pod-template-generation"] = (ds.Long("metadata", "generation") ?? 1).ToString();
                });
                Event(ds, "Normal", "SuccessfulCreate", $"Created pod: {pod.Name()}", unique: false);
            }
            foreach (var pod in pods.Where(p => !eligible.Contains(p.Str("spec", "nodeName") ?? "")))
            {
                Store.Delete(ResourceTypes.Pods, pod.Namespace(), pod.Name());
            }
            var outdated = pods.Where(p => p.Labels().GetValueOrDefault(Templates.ControllerRevisionHash) != hash).ToList();
            var victim = outdated.FirstOrDefault(p => !Disruption.Healthy(p))
                ?? (pods.All(Disruption.Healthy) ? outdated.FirstOrDefault() : null);
            if (victim is not null && ds.Str("spec", "updateStrategy", "type") != "OnDelete")
            {
                Store.Delete(ResourceTypes.Pods, victim.Namespace(), victim.Name());
            }
        }
        foreach (var ds in All(ResourceTypes.DaemonSets))
        {
            var hash = Templates.Hash(ds.At("spec", "template"));
            var selector = ds.At("spec", "template", "spec", "nodeSelector") is JsonObject s
                ? s.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "") : [];
            var desired = nodes.Count(n => selector.All(kv => n.Labels().GetValueOrDefault(kv.Key) == kv.Value));
            var pods = Owned(ResourceTypes.Pods, ds).Where(Active).ToList();
            var ready = pods.Count(Disruption.Healthy);
            Mutate(ResourceTypes.DaemonSets, ds, d =>
            {
                var status = d.Obj("status");
                status["observedGeneration"] = ds.Long("metadata", "generation") ?? 1;
                status["desiredNumberScheduled"] = desired;
                status["currentNumberScheduled"] = pods.Count;
                status["numberReady"] = ready;
                status["numberAvailable"] = ready;
                status["numberMisscheduled"] = 0;
                status["updatedNumberScheduled"] = pods.Count(p => p.Labels().GetValueOrDefault(Templates.ControllerRevisionHash) == hash);
                if (desired - ready > 0)
                {
                    status["numberUnavailable"] = desired - ready;
                }
                else
                {
                    status.Remove("numberUnavailable");
                }
            });
        }
    }
}
