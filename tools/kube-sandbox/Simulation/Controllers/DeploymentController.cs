using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation.Controllers;

/// <summary>Rolls deployments out through replicasets (rolling update or recreate, rollback to a revision, history limit) and reports their status and progress conditions.</summary>
internal sealed class DeploymentController(ControllerContext context) : Controller(context)
{
    // Per deployment uid: what its rollout looked like last, and since when (for the progress deadline).
    private readonly Dictionary<string, (string Fingerprint, DateTimeOffset Since)> progress = [];

    public override ResourceType Kind => ResourceTypes.Deployments;

    public override void Reconcile()
    {
        foreach (var dep in All(ResourceTypes.Deployments))
        {
            ReconcileDeployment(dep);
        }
    }

    private void ReconcileDeployment(JsonObject dep)
    {
        var sets = Owned(ResourceTypes.ReplicaSets, dep);
        var template = dep["spec"]?["template"];
        var newRs = sets.FirstOrDefault(rs => Templates.SameTemplate(rs.At("spec", "template"), template));
        var maxRevision = sets.Count == 0 ? 0 : sets.Max(Revision);
        var desired = Replicas(dep);
        if (dep.Bool("spec", "paused"))
        {
            return;
        }
        if (newRs is null)
        {
            var hash = Templates.Hash(template);
            var rsTemplate = Templates.Normalize(template);
            rsTemplate.Obj("metadata").Obj("labels")[Templates.PodTemplateHash] = hash;
            var selector = dep.At("spec", "selector").CloneNode() as JsonObject ?? new JsonObject();
            selector.Obj("matchLabels")[Templates.PodTemplateHash] = hash;
            var labels = rsTemplate.At("metadata", "labels").CloneNode();
            var annotations = new JsonObject { [Simulator.RevisionAnnotation] = (maxRevision + 1).ToString() };
            if (dep.Annotation("kubernetes.io/change-cause") is { } cause)
            {
                annotations["kubernetes.io/change-cause"] = cause;
            }
            newRs = Store.Create(ResourceTypes.ReplicaSets, dep.Namespace(), new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = $"{dep.Name()}-{hash}",
                    ["namespace"] = dep.Namespace(),
                    ["labels"] = labels,
                    ["annotations"] = annotations,
                    ["ownerReferences"] = new JsonArray(dep.OwnerReference()),
                },
                ["spec"] = new JsonObject
                {
                    ["replicas"] = 0,
                    ["selector"] = selector,
                    ["template"] = rsTemplate,
                },
            }, scope: WriteScope.Internal);
            maxRevision++;
        }
        else if (Revision(newRs) < maxRevision)
        {
            // kubectl rollout undo: the old replicaset becomes the newest revision again.
            var old = Revision(newRs);
            var next = maxRevision + 1;
            Mutate(ResourceTypes.ReplicaSets, newRs, rs =>
            {
                rs.SetAnnotation(Simulator.RevisionAnnotation, next.ToString());
                var history = rs.Annotation("deployment.kubernetes.io/revision-history");
                rs.SetAnnotation("deployment.kubernetes.io/revision-history", history is null ? old.ToString() : $"{history},{old}");
            });
            maxRevision = next;
            newRs = Store.Get(ResourceTypes.ReplicaSets, newRs.Namespace(), newRs.Name());
        }
        var revision = Revision(newRs).ToString();
        if (dep.Annotation(Simulator.RevisionAnnotation) != revision)
        {
            Mutate(ResourceTypes.Deployments, dep, d => d.SetAnnotation(Simulator.RevisionAnnotation, revision));
        }

        var oldSets = sets.Where(s => s.Uid() != newRs.Uid()).ToList();
        var newReplicas = Replicas(newRs);
        var oldReplicas = oldSets.ToDictionary(s => s.Uid(), Replicas);

        if (dep.Str("spec", "strategy", "type") == "Recreate")
        {
            foreach (var s in oldSets)
            {
                oldReplicas[s.Uid()] = 0;
            }
            if (oldSets.All(s => (s.Long("status", "replicas") ?? 0) == 0))
            {
                newReplicas = desired;
            }
        }
        else if (oldSets.All(s => Replicas(s) == 0))
        {
            newReplicas = desired;
        }
        else
        {
            var surge = IntOrPercent.Resolve(dep.At("spec", "strategy", "rollingUpdate", "maxSurge"), desired, roundUp: true);
            var unavailable = IntOrPercent.Resolve(dep.At("spec", "strategy", "rollingUpdate", "maxUnavailable"), desired, roundUp: false);
            if (surge == 0 && unavailable == 0)
            {
                unavailable = 1;
            }
            var total = newReplicas + oldReplicas.Values.Sum();
            var room = desired + surge - total;
            if (room > 0 && newReplicas < desired)
            {
                newReplicas = Math.Min(desired, newReplicas + room);
            }
            else if (newReplicas > desired)
            {
                newReplicas = desired;
            }
            var minAvailable = desired - unavailable;
            var newAvailable = (int)(newRs.Long("status", "availableReplicas") ?? 0);
            var budget = newReplicas + oldReplicas.Values.Sum() - minAvailable - Math.Max(0, newReplicas - newAvailable);
            foreach (var s in oldSets.OrderBy(Revision))
            {
                var unhealthy = Math.Max(0, oldReplicas[s.Uid()] - (int)(s.Long("status", "availableReplicas") ?? 0));
                var remove = Math.Min(unhealthy, Math.Max(0, budget));
                oldReplicas[s.Uid()] -= remove;
                budget -= remove;
            }
            var available = newAvailable + oldSets.Sum(s => Math.Min(oldReplicas[s.Uid()], (int)(s.Long("status", "availableReplicas") ?? 0)));
            var scaleDown = available - minAvailable;
            foreach (var s in oldSets.OrderBy(Revision))
            {
                var remove = Math.Min(oldReplicas[s.Uid()], Math.Max(0, scaleDown));
                oldReplicas[s.Uid()] -= remove;
                scaleDown -= remove;
            }
        }

        ScaleReplicaSet(dep, newRs, newReplicas);
        foreach (var s in oldSets)
        {
            ScaleReplicaSet(dep, s, oldReplicas[s.Uid()]);
        }

        var limit = (int)(dep.Long("spec", "revisionHistoryLimit") ?? 10);
        var idle = oldSets.Where(s => oldReplicas[s.Uid()] == 0 && (s.Long("status", "replicas") ?? 0) == 0).OrderBy(Revision).ToList();
        foreach (var s in idle.Take(Math.Max(0, idle.Count - limit)))
        {
            Store.Delete(ResourceTypes.ReplicaSets, s.Namespace(), s.Name());
        }
    }

    private void ScaleReplicaSet(JsonObject dep, JsonObject rs, int replicas)
    {
        var from = Replicas(rs);
        if (from == replicas)
        {
            return;
        }
        Mutate(ResourceTypes.ReplicaSets, rs, r => r.Obj("spec")["replicas"] = replicas);
        Event(dep, "Normal", "ScalingReplicaSet",
            $"Scaled {(replicas > from ? "up" : "down")} replica set {rs.Name()} from {from} to {replicas}", unique: false);
    }

    // Status is computed from a snapshot, so observedGeneration is the snapshot's: a spec written
    // meanwhile must not look observed before the controller has acted on it.
    public override void UpdateStatus()
    {
        var deployments = All(ResourceTypes.Deployments);
        var live = deployments.Select(d => d.Uid()).ToHashSet();
        foreach (var gone in progress.Keys.Where(uid => !live.Contains(uid)).ToList())
        {
            progress.Remove(gone);
        }
        foreach (var dep in deployments)
        {
            var sets = Owned(ResourceTypes.ReplicaSets, dep);
            var newRs = sets.FirstOrDefault(rs => Templates.SameTemplate(rs.At("spec", "template"), dep.At("spec", "template")));
            var desired = Replicas(dep);
            long Sum(string field) => sets.Sum(s => s.Long("status", field) ?? 0);
            var replicas = Sum("replicas");
            var updated = newRs?.Long("status", "replicas") ?? 0;
            var ready = Sum("readyReplicas");
            var available = Sum("availableReplicas");
            var now = Now;
            var fingerprint = $"{newRs?.Name()}/{desired}/{replicas}/{updated}/{ready}/{available}";
            var uid = dep.Uid();
            if (!progress.TryGetValue(uid, out var last) || last.Fingerprint != fingerprint)
            {
                var since = last.Fingerprint is null
                    ? dep.Objects("status", "conditions").FirstOrDefault(c => c.Str("type") == "Progressing")?.Time("lastUpdateTime") ?? now
                    : now;
                progress[uid] = last = (fingerprint, since);
            }
            var complete = newRs is not null && updated == desired && replicas == desired && available == desired
                && Replicas(newRs) == desired && (newRs.Long("status", "observedGeneration") ?? 0) >= (newRs.Long("metadata", "generation") ?? 0);
            var unavailable = IntOrPercent.Resolve(dep.At("spec", "strategy", "rollingUpdate", "maxUnavailable"), desired, roundUp: false);
            var deadline = TimeSpan.FromSeconds(dep.Long("spec", "progressDeadlineSeconds") ?? 600);
            var rsName = newRs?.Name() ?? dep.Name();

            Mutate(ResourceTypes.Deployments, dep, d =>
            {
                var status = d.Obj("status");
                status["observedGeneration"] = dep.Long("metadata", "generation") ?? 1;
                status["replicas"] = replicas;
                status["updatedReplicas"] = updated;
                status["readyReplicas"] = ready;
                status["availableReplicas"] = available;
                status["unavailableReplicas"] = Math.Max(0, desired - available);
                foreach (var key in new[] { "replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas" })
                {
                    if (status.Long(key) == 0)
                    {
                        status.Remove(key);
                    }
                }
                var isAvailable = available >= desired - unavailable;
                SetCondition(status, "Available", isAvailable ? "True" : "False",
                    isAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                    isAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", now, now);
                if (complete)
                {
                    SetCondition(status, "Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{rsName}\" has successfully progressed.", now, last.Since);
                }
                else if (now - last.Since > deadline)
                {
                    SetCondition(status, "Progressing", "False", "ProgressDeadlineExceeded", $"ReplicaSet \"{rsName}\" has timed out progressing.", now, now);
                }
                else
                {
                    SetCondition(status, "Progressing", "True", "ReplicaSetUpdated", $"ReplicaSet \"{rsName}\" is progressing.", now, last.Since);
                }
            });
        }
    }

    /// <summary>Sets a condition; timestamps move only when status or reason change (no needless writes).</summary>
    private static void SetCondition(JsonObject status, string type, string value, string reason, string message, DateTimeOffset now, DateTimeOffset updated)
    {
        var conditions = status.Arr("conditions");
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == type);
        if (existing is not null && existing.Str("status") == value && existing.Str("reason") == reason && existing.Str("message") == message)
        {
            if (type == "Progressing" && value == "True")
            {
                existing["lastUpdateTime"] = JsonExtensions.Timestamp(updated);
            }
            return;
        }
        var transition = existing is not null && existing.Str("status") == value
            ? existing.Str("lastTransitionTime")
            : JsonExtensions.Timestamp(now);
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = value,
            ["lastUpdateTime"] = JsonExtensions.Timestamp(type == "Progressing" && value == "True" ? updated : now),
            ["lastTransitionTime"] = transition,
            ["reason"] = reason,
            ["message"] = message,
        };
        if (existing is null)
        {
            conditions.Add(condition);
        }
        else
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }
    }
}
