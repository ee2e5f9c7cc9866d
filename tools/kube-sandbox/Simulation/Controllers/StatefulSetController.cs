using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation.Controllers;

/// <summary>Ordered, one-at-a-time pods per statefulset, rolling updates from the highest ordinal, and their status.</summary>
internal sealed class StatefulSetController(ControllerContext context) : Controller(context)
{
    public override ResourceType Kind => ResourceTypes.StatefulSets;

    public override void Reconcile()
    {
        foreach (var sts in All(ResourceTypes.StatefulSets))
        {
            var template = sts.At("spec", "template");
            var revision = $"{sts.Name()}-{Templates.Hash(template)}";
            EnsureRevision(sts, revision, template);
            var replicas = Replicas(sts);
            var pods = Owned(ResourceTypes.Pods, sts).Where(Active).ToDictionary(p => Ordinal(sts, p));
            var next = Enumerable.Range(0, replicas).FirstOrDefault(i => !pods.ContainsKey(i), -1);
            if (next >= 0 && Enumerable.Range(0, next).All(i => Disruption.Healthy(pods[i])))
            {
                var pod = NewPod(sts, $"{sts.Name()}-{next}", template, null, p =>
                {
                    var labels = p.Meta().Obj("labels");
                    labels[Templates.ControllerRevisionHash] = revision;
                    labels["statefulset.kubernetes.io/pod-name"] = $"{sts.Name()}-{next}";
                    labels["apps.kubernetes.io/pod-index"] = next.ToString();
                    p.Obj("spec")["hostname"] = $"{sts.Name()}-{next}";
                });
                Event(sts, "Normal", "SuccessfulCreate", $"create Pod {pod.Name()} in StatefulSet {sts.Name()} successful", unique: false);
                continue;
            }
            if (pods.Keys.Where(i => i >= replicas).OrderDescending().FirstOrDefault(-1) is var extra and >= 0)
            {
                Store.Delete(ResourceTypes.Pods, sts.Namespace(), pods[extra].Name());
                continue;
            }
            var partition = (int)(sts.Long("spec", "updateStrategy", "rollingUpdate", "partition") ?? 0);
            var outdated = pods.Where(p => p.Key >= partition && p.Value.Labels().GetValueOrDefault(Templates.ControllerRevisionHash) != revision)
                .OrderByDescending(p => p.Key).Select(p => p.Value).FirstOrDefault();
            if (outdated is not null && sts.Str("spec", "updateStrategy", "type") != "OnDelete"
                && (pods.Values.All(Disruption.Healthy) || !Disruption.Healthy(outdated)))
            {
                Store.Delete(ResourceTypes.Pods, sts.Namespace(), outdated.Name());
            }
        }
        foreach (var sts in All(ResourceTypes.StatefulSets))
        {
            var revision = $"{sts.Name()}-{Templates.Hash(sts.At("spec", "template"))}";
            var pods = Owned(ResourceTypes.Pods, sts).Where(Active).ToList();
            var updated = pods.Count(p => p.Labels().GetValueOrDefault(Templates.ControllerRevisionHash) == revision);
            var ready = pods.Count(Disruption.Healthy);
            Mutate(ResourceTypes.StatefulSets, sts, s =>
            {
                var status = s.Obj("status");
                var current = updated == pods.Count && pods.Count == Replicas(s) ? revision : status.Str("currentRevision") ?? revision;
                status["observedGeneration"] = sts.Long("metadata", "generation") ?? 1;
                status["replicas"] = pods.Count;
                status["readyReplicas"] = ready;
                status["availableReplicas"] = ready;
                status["currentReplicas"] = current == revision ? updated : pods.Count - updated;
                status["updatedReplicas"] = updated;
                status["currentRevision"] = current;
                status["updateRevision"] = revision;
                status["collisionCount"] = 0;
            });
        }
    }

    private static int Ordinal(JsonObject owner, JsonObject pod) =>
        int.TryParse(pod.Name().AsSpan(owner.Name().Length + 1), out var i) ? i : int.MaxValue;
}
