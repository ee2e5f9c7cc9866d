using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation.Controllers;

/// <summary>Keeps the replicas of every replicaset running, and reports their status.</summary>
internal sealed class ReplicaSetController(ControllerContext context) : Controller(context)
{
    public override ResourceType Kind => ResourceTypes.ReplicaSets;

    public override void Reconcile()
    {
        foreach (var rs in All(ResourceTypes.ReplicaSets))
        {
            var pods = Owned(ResourceTypes.Pods, rs).Where(Active).ToList();
            var diff = Replicas(rs) - pods.Count;
            for (var i = 0; i < diff; i++)
            {
                var pod = NewPod(rs, $"{rs.Name()}-{Admission.RandomSuffix()}", rs.At("spec", "template"), null);
                Event(rs, "Normal", "SuccessfulCreate", $"Created pod: {pod.Name()}", unique: false);
            }
            foreach (var pod in pods
                .OrderBy(p => p.Str("spec", "nodeName") is null ? 0 : 1)
                .ThenBy(p => Disruption.Healthy(p) ? 1 : 0)
                .ThenByDescending(p => p.Str("metadata", "creationTimestamp"))
                .Take(Math.Max(0, -diff)))
            {
                Store.Delete(ResourceTypes.Pods, pod.Namespace(), pod.Name());
                Event(rs, "Normal", "SuccessfulDelete", $"Deleted pod: {pod.Name()}", unique: false);
            }
        }
    }

    public override void UpdateStatus()
    {
        foreach (var rs in All(ResourceTypes.ReplicaSets))
        {
            var pods = Owned(ResourceTypes.Pods, rs).Where(Active).ToList();
            var ready = pods.Count(Disruption.Healthy);
            Mutate(ResourceTypes.ReplicaSets, rs, r =>
            {
                var status = r.Obj("status");
                status["replicas"] = pods.Count;
                status["fullyLabeledReplicas"] = pods.Count;
                status["readyReplicas"] = ready;
                status["availableReplicas"] = ready;
                status["observedGeneration"] = rs.Long("metadata", "generation") ?? 1;
                foreach (var key in new[] { "fullyLabeledReplicas", "readyReplicas", "availableReplicas" })
                {
                    if (status.Long(key) == 0)
                    {
                        status.Remove(key);
                    }
                }
            });
        }
    }
}
