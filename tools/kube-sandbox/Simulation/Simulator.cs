using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation;

/// <summary>
/// The simulated control plane: deployment, replicaset, statefulset, daemonset, job and disruption
/// controllers, a scheduler, and a kubelet that "runs" pods. Every change goes through the store,
/// so clients see it through resourceVersions and watches like any other write.
/// </summary>
public sealed class Simulator(ObjectStore store, SandboxOptions options)
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string CrashAnnotation = "sandbox.k8s-agent.io/crash";

    private readonly Dictionary<string, (string Fingerprint, DateTimeOffset Since)> progress = [];
    private readonly HashSet<string> emitted = [];
    private readonly Lock reconciling = new();
    private static readonly TimeSpan EventTtl = TimeSpan.FromHours(1);
    private DateTimeOffset lastEventSweep = DateTimeOffset.MinValue;

    /// <summary>The last failure of a reconcile pass (the loop keeps going), for diagnosis.</summary>
    public Exception? LastError { get; private set; }

    private DateTimeOffset Now => options.TimeProvider.GetUtcNow();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ReconcileOnce();
            try
            {
                await Task.Delay(options.ControllerInterval, options.TimeProvider, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass of every controller; conflicts with concurrent API writes are retried next pass.</summary>
    public void ReconcileOnce()
    {
        lock (reconciling)
        {
            ReconcileAll();
        }
    }

    private void ReconcileAll()
    {
        Step(Deployments);
        Step(ReplicaSets);
        Step(StatefulSets);
        Step(DaemonSets);
        Step(Jobs);
        Step(Schedule);
        Step(Kubelet);
        Step(ReplicaSetStatus);
        Step(DeploymentStatus);
        Step(DisruptionBudgets);
        Step(EndpointSlices);
        Step(ExpireEvents);
    }

    /// <summary>One EndpointSlice per selecting service, listing the ready pods it selects.</summary>
    private void EndpointSlices()
    {
        foreach (var svc in All(ResourceTypes.Services))
        {
            if (svc.At("spec", "selector") is not JsonObject selector || selector.Count == 0)
            {
                continue;
            }
            var wanted = selector.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "");
            var pods = All(ResourceTypes.Pods, svc.Namespace())
                .Where(p => Active(p) && p.Str("status", "podIP") is not null && wanted.All(kv => p.Labels().GetValueOrDefault(kv.Key) == kv.Value))
                .ToList();
            var endpoints = new JsonArray(pods.Select(p => (JsonNode?)new JsonObject
            {
                ["addresses"] = new JsonArray(p.Str("status", "podIP")),
                ["conditions"] = new JsonObject { ["ready"] = Disruption.Healthy(p), ["serving"] = Disruption.Healthy(p), ["terminating"] = false },
                ["nodeName"] = p.Str("spec", "nodeName"),
                ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = p.Namespace(), ["name"] = p.Name(), ["uid"] = p.Uid() },
            }).ToArray());
            var ports = new JsonArray(svc.Objects("spec", "ports").Select(port => (JsonNode?)new JsonObject
            {
                ["name"] = port.Str("name") ?? "",
                ["port"] = port.Long("targetPort") ?? port.Long("port") ?? 0,
                ["protocol"] = port.Str("protocol") ?? "TCP",
            }).ToArray());
            var name = $"{svc.Name()}-{Templates.HashText(svc.Uid())}";
            if (store.TryGet(ResourceTypes.EndpointSlices, svc.Namespace(), name) is { } existing)
            {
                Mutate(ResourceTypes.EndpointSlices, existing, e =>
                {
                    e["endpoints"] = endpoints;
                    e["ports"] = ports;
                });
                continue;
            }
            store.Create(ResourceTypes.EndpointSlices, svc.Namespace(), new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["labels"] = new JsonObject
                    {
                        ["kubernetes.io/service-name"] = svc.Name(),
                        ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io",
                    },
                    ["ownerReferences"] = new JsonArray(svc.OwnerReference()),
                },
                ["addressType"] = "IPv4",
                ["endpoints"] = endpoints,
                ["ports"] = ports,
            }, scope: WriteScope.Internal);
        }
    }

    /// <summary>Events live an hour, as with the API server's default --event-ttl.</summary>
    private void ExpireEvents()
    {
        var now = Now;
        if (now - lastEventSweep < TimeSpan.FromMinutes(1))
        {
            return;
        }
        lastEventSweep = now;
        foreach (var e in All(ResourceTypes.Events).Where(e => now - (e.Time("lastTimestamp") ?? now) > EventTtl))
        {
            store.Delete(ResourceTypes.Events, e.Namespace(), e.Name());
        }
        var live = All(ResourceTypes.Deployments).Select(d => d.Uid()).ToHashSet();
        foreach (var gone in progress.Keys.Where(uid => !live.Contains(uid)).ToList())
        {
            progress.Remove(gone);
        }
    }

    private void Step(Action step)
    {
        try
        {
            step();
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
            // Raced with an API write or delete; the next pass sees the new state.
        }
        catch (Exception e)
        {
            LastError = e;
        }
    }

    private List<JsonObject> All(ResourceType type, string? ns = null) => store.List(type, ns).Items;

    private List<JsonObject> Owned(ResourceType type, JsonObject owner) =>
        store.List(type, owner.Namespace(), o => o.ControllerUid() == owner.Uid()).Items;

    private void Mutate(ResourceType type, JsonObject obj, Action<JsonObject> change) =>
        store.Update(type, obj.Namespace(), obj.Name(), o =>
        {
            change(o);
            return o;
        }, WriteScope.Internal);

    private static bool Active(JsonObject pod) =>
        pod.At("metadata", "deletionTimestamp") is null && pod.Str("status", "phase") is not ("Succeeded" or "Failed");

    private static int Replicas(JsonObject o) => (int)(o.Long("spec", "replicas") ?? 1);

    private static int Revision(JsonObject rs) => int.TryParse(rs.Annotation(RevisionAnnotation), out var r) ? r : 0;

    // ---- deployments -------------------------------------------------------------------------

    private void Deployments()
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
            var annotations = new JsonObject { [RevisionAnnotation] = (maxRevision + 1).ToString() };
            if (dep.Annotation("kubernetes.io/change-cause") is { } cause)
            {
                annotations["kubernetes.io/change-cause"] = cause;
            }
            newRs = store.Create(ResourceTypes.ReplicaSets, dep.Namespace(), new JsonObject
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
                rs.SetAnnotation(RevisionAnnotation, next.ToString());
                var history = rs.Annotation("deployment.kubernetes.io/revision-history");
                rs.SetAnnotation("deployment.kubernetes.io/revision-history", history is null ? old.ToString() : $"{history},{old}");
            });
            maxRevision = next;
            newRs = store.Get(ResourceTypes.ReplicaSets, newRs.Namespace(), newRs.Name());
        }
        var revision = Revision(newRs).ToString();
        if (dep.Annotation(RevisionAnnotation) != revision)
        {
            Mutate(ResourceTypes.Deployments, dep, d => d.SetAnnotation(RevisionAnnotation, revision));
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
            store.Delete(ResourceTypes.ReplicaSets, s.Namespace(), s.Name());
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
    private void DeploymentStatus()
    {
        foreach (var dep in All(ResourceTypes.Deployments))
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

    // ---- replicasets -------------------------------------------------------------------------

    private void ReplicaSets()
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
                store.Delete(ResourceTypes.Pods, pod.Namespace(), pod.Name());
                Event(rs, "Normal", "SuccessfulDelete", $"Deleted pod: {pod.Name()}", unique: false);
            }
        }
    }

    private void ReplicaSetStatus()
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

    private JsonObject NewPod(JsonObject owner, string name, JsonNode? template, string? nodeName, Action<JsonObject>? extra = null)
    {
        var pod = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = owner.Namespace(),
                ["labels"] = template.At("metadata", "labels").CloneNode() ?? new JsonObject(),
                ["annotations"] = template.At("metadata", "annotations").CloneNode(),
                ["ownerReferences"] = new JsonArray(owner.OwnerReference()),
            },
            ["spec"] = template.At("spec").CloneNode(),
        };
        if (pod.Meta()["annotations"] is null)
        {
            pod.Meta().Remove("annotations");
        }
        if (nodeName is not null)
        {
            pod.Obj("spec")["nodeName"] = nodeName;
        }
        extra?.Invoke(pod);
        return store.Create(ResourceTypes.Pods, owner.Namespace(), pod, scope: WriteScope.Internal);
    }

    // ---- statefulsets ------------------------------------------------------------------------

    private void StatefulSets()
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
                store.Delete(ResourceTypes.Pods, sts.Namespace(), pods[extra].Name());
                continue;
            }
            var partition = (int)(sts.Long("spec", "updateStrategy", "rollingUpdate", "partition") ?? 0);
            var outdated = pods.Where(p => p.Key >= partition && p.Value.Labels().GetValueOrDefault(Templates.ControllerRevisionHash) != revision)
                .OrderByDescending(p => p.Key).Select(p => p.Value).FirstOrDefault();
            if (outdated is not null && sts.Str("spec", "updateStrategy", "type") != "OnDelete"
                && (pods.Values.All(Disruption.Healthy) || !Disruption.Healthy(outdated)))
            {
                store.Delete(ResourceTypes.Pods, sts.Namespace(), outdated.Name());
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

    private void EnsureRevision(JsonObject owner, string name, JsonNode? template)
    {
        if (store.TryGet(ResourceTypes.ControllerRevisions, owner.Namespace(), name) is not null)
        {
            return;
        }
        var existing = Owned(ResourceTypes.ControllerRevisions, owner);
        var labels = template.At("metadata", "labels").CloneNode() as JsonObject ?? new JsonObject();
        labels[Templates.ControllerRevisionHash] = name[(owner.Name().Length + 1)..];
        store.Create(ResourceTypes.ControllerRevisions, owner.Namespace(), new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(owner.OwnerReference()),
            },
            ["data"] = new JsonObject { ["spec"] = new JsonObject { ["template"] = RevisionTemplate(template) } },
            ["revision"] = existing.Count == 0 ? 1 : existing.Max(r => r.Long("revision") ?? 0) + 1,
        }, scope: WriteScope.Internal);
    }

    /// <summary>Revision data is a strategic merge patch, as kubectl rollout undo applies it to the owner.</summary>
    private static JsonObject RevisionTemplate(JsonNode? template)
    {
        var patch = Templates.Normalize(template);
        patch["$patch"] = "replace";
        return patch;
    }

    // ---- daemonsets --------------------------------------------------------------------------

    private void DaemonSets()
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
                store.Delete(ResourceTypes.Pods, pod.Namespace(), pod.Name());
            }
            var outdated = pods.Where(p => p.Labels().GetValueOrDefault(Templates.ControllerRevisionHash) != hash).ToList();
            var victim = outdated.FirstOrDefault(p => !Disruption.Healthy(p))
                ?? (pods.All(Disruption.Healthy) ? outdated.FirstOrDefault() : null);
            if (victim is not null && ds.Str("spec", "updateStrategy", "type") != "OnDelete")
            {
                store.Delete(ResourceTypes.Pods, victim.Namespace(), victim.Name());
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

    // ---- jobs --------------------------------------------------------------------------------

    private void Jobs()
    {
        foreach (var job in All(ResourceTypes.Jobs))
        {
            var pods = Owned(ResourceTypes.Pods, job);
            var succeeded = pods.Count(p => p.Str("status", "phase") == "Succeeded");
            var active = pods.Count(Active);
            var completions = (int)(job.Long("spec", "completions") ?? 1);
            var parallelism = (int)(job.Long("spec", "parallelism") ?? 1);
            var toStart = Math.Min(parallelism - active, completions - succeeded - active);
            for (var i = 0; i < toStart && !job.Bool("spec", "suspend"); i++)
            {
                NewPod(job, $"{job.Name()}-{Admission.RandomSuffix()}", job.At("spec", "template"), null);
                active++;
            }
            var now = Now;
            Mutate(ResourceTypes.Jobs, job, j =>
            {
                var status = j.Obj("status");
                status["startTime"] ??= JsonExtensions.Timestamp(now);
                status["succeeded"] = succeeded;
                status["ready"] = pods.Count(Disruption.Healthy);
                if (active > 0)
                {
                    status["active"] = active;
                }
                else
                {
                    status.Remove("active");
                }
                if (succeeded >= completions && status["completionTime"] is null)
                {
                    status["completionTime"] = JsonExtensions.Timestamp(now);
                    var conditions = status.Arr("conditions");
                    foreach (var type in new[] { "SuccessCriteriaMet", "Complete" })
                    {
                        conditions.Add(new JsonObject
                        {
                            ["type"] = type,
                            ["status"] = "True",
                            ["lastProbeTime"] = JsonExtensions.Timestamp(now),
                            ["lastTransitionTime"] = JsonExtensions.Timestamp(now),
                            ["reason"] = "CompletionsReached",
                            ["message"] = "Reached expected number of succeeded pods",
                        });
                    }
                }
            });
        }
    }

    // ---- scheduler and kubelet ---------------------------------------------------------------

    private void Schedule()
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
                    store.Delete(ResourceTypes.Pods, pod.Namespace(), pod.Name());
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

    private void Kubelet()
    {
        var nodes = All(ResourceTypes.Nodes);
        var activePods = All(ResourceTypes.Pods).Where(Active).ToList();
        var usedIps = activePods.Select(p => p.Str("status", "podIP")).OfType<string>().ToHashSet();
        foreach (var pod in activePods)
        {
            var nodeName = pod.Str("spec", "nodeName");
            var node = nodes.FirstOrDefault(n => n.Name() == nodeName);
            if (node is null)
            {
                continue;
            }
            var created = pod.Time("metadata", "creationTimestamp") ?? Now;
            var startAt = created + options.PodReadyDelay;
            var now = Now;
            var started = now >= startAt;
            var runsToCompletion = pod.Str("spec", "restartPolicy") is "Never" or "OnFailure";
            var crash = pod.Annotation(CrashAnnotation) == "true";
            var nodeIndex = nodes.IndexOf(node) + 1;
            var ip = pod.Str("status", "podIP") ?? NextPodIp(nodeIndex, usedIps);
            var statuses = new JsonArray();
            var phase = "Pending";
            var allReady = true;
            var anyRunning = false;
            var allCompleted = true;
            foreach (var c in pod.Objects("spec", "containers"))
            {
                var name = c.Str("name") ?? "";
                var image = c.Str("image") ?? "";
                var crashes = crash || c.Objects("env").Any(e => e.Str("name") == "CRASH" && e.Str("value") == "1");
                var status = new JsonObject
                {
                    ["name"] = name,
                    ["image"] = image,
                    ["imageID"] = "",
                    ["ready"] = false,
                    ["restartCount"] = 0,
                    ["started"] = false,
                };
                if (!started)
                {
                    status["state"] = Waiting("ContainerCreating", null);
                    allCompleted = false;
                }
                else if (options.ImagePullFails(image))
                {
                    status["state"] = Waiting("ImagePullBackOff", $"Back-off pulling image \"{image}\"");
                    Event(pod, "Normal", "Pulling", $"Pulling image \"{image}\"");
                    Event(pod, "Warning", "Failed", $"Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found");
                    Event(pod, "Warning", "Failed", "Error: ErrImagePull");
                    Event(pod, "Normal", "BackOff", $"Back-off pulling image \"{image}\"");
                    Event(pod, "Warning", "Failed", "Error: ImagePullBackOff");
                    allReady = false;
                    allCompleted = false;
                }
                else
                {
                    status["imageID"] = $"docker.io/library/{image}@sha256:{Templates.HashText(image)}";
                    status["containerID"] = $"containerd://{pod.Uid().Replace("-", "")}{name}";
                    Event(pod, "Normal", "Pulled", $"Successfully pulled image \"{image}\"");
                    Event(pod, "Normal", "Created", $"Created container: {name}");
                    Event(pod, "Normal", "Started", $"Started container {name}");
                    if (crashes)
                    {
                        var restarts = 1 + (int)((now - startAt) / options.CrashLoopInterval);
                        var finished = startAt + (options.CrashLoopInterval * (restarts - 1));
                        status["restartCount"] = restarts;
                        status["state"] = Waiting("CrashLoopBackOff", $"back-off {Math.Min(300, 10 << Math.Min(5, restarts - 1))}s restarting failed container={name} pod={pod.Name()}_{pod.Namespace()}({pod.Uid()})");
                        status["lastState"] = new JsonObject
                        {
                            ["terminated"] = new JsonObject
                            {
                                ["exitCode"] = 1,
                                ["reason"] = "Error",
                                ["startedAt"] = JsonExtensions.Timestamp(finished),
                                ["finishedAt"] = JsonExtensions.Timestamp(finished),
                                ["containerID"] = status["containerID"]?.ToString(),
                            },
                        };
                        Event(pod, "Warning", "BackOff", $"Back-off restarting failed container {name} in pod {pod.Name()}_{pod.Namespace()}({pod.Uid()})", count: restarts);
                        allReady = false;
                        allCompleted = false;
                        anyRunning = true;
                    }
                    else if (runsToCompletion && now >= startAt + options.PodReadyDelay)
                    {
                        status["state"] = new JsonObject
                        {
                            ["terminated"] = new JsonObject
                            {
                                ["exitCode"] = 0,
                                ["reason"] = "Completed",
                                ["startedAt"] = JsonExtensions.Timestamp(startAt),
                                ["finishedAt"] = JsonExtensions.Timestamp(startAt + options.PodReadyDelay),
                            },
                        };
                        allReady = false;
                    }
                    else
                    {
                        status["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = JsonExtensions.Timestamp(startAt) } };
                        status["ready"] = true;
                        status["started"] = true;
                        anyRunning = true;
                        allCompleted = false;
                    }
                }
                if (!status.Bool("ready"))
                {
                    allReady = false;
                }
                statuses.Add(status);
            }
            if (anyRunning)
            {
                phase = "Running";
            }
            else if (started && allCompleted && statuses.Count > 0)
            {
                phase = "Succeeded";
                allReady = false;
            }
            Mutate(ResourceTypes.Pods, pod, p =>
            {
                var status = p.Obj("status");
                status["phase"] = phase;
                status["hostIP"] = node.Objects("status", "addresses").FirstOrDefault(a => a.Str("type") == "InternalIP")?.Str("address");
                status["podIP"] = ip;
                status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip });
                status["startTime"] = JsonExtensions.Timestamp(created);
                status["containerStatuses"] = statuses;
                var readyValue = allReady ? "True" : "False";
                var readyReason = allReady ? null : phase == "Succeeded" ? "PodCompleted" : "ContainersNotReady";
                SetPodCondition(status, "PodScheduled", "True", created);
                SetPodCondition(status, "Initialized", "True", created, phase == "Succeeded" ? "PodCompleted" : null);
                SetPodCondition(status, "ContainersReady", readyValue, allReady ? startAt : created, readyReason);
                SetPodCondition(status, "Ready", readyValue, allReady ? startAt : created, readyReason);
            });
        }
    }

    private static string NextPodIp(int nodeIndex, HashSet<string> used)
    {
        for (var host = 2; host < 255; host++)
        {
            var candidate = $"10.244.{nodeIndex}.{host}";
            if (used.Add(candidate))
            {
                return candidate;
            }
        }
        return $"10.244.{nodeIndex}.254";
    }

    private static JsonObject Waiting(string reason, string? message)
    {
        var waiting = new JsonObject { ["reason"] = reason };
        if (message is not null)
        {
            waiting["message"] = message;
        }
        return new JsonObject { ["waiting"] = waiting };
    }

    private static void SetPodCondition(JsonObject status, string type, string value, DateTimeOffset at, string? reason = null, string? message = null)
    {
        var conditions = status.Arr("conditions");
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == type);
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = value,
            ["lastTransitionTime"] = existing is not null && existing.Str("status") == value ? existing.Str("lastTransitionTime") : JsonExtensions.Timestamp(at),
        };
        if (reason is not null)
        {
            condition["reason"] = reason;
        }
        if (message is not null)
        {
            condition["message"] = message;
        }
        if (existing is null)
        {
            conditions.Add(condition);
        }
        else
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }
    }

    // ---- disruption budgets and events -------------------------------------------------------

    private void DisruptionBudgets()
    {
        foreach (var pdb in All(ResourceTypes.PodDisruptionBudgets))
        {
            var budget = Disruption.Evaluate(All(ResourceTypes.Pods, pdb.Namespace()), pdb);
            var now = Now;
            Mutate(ResourceTypes.PodDisruptionBudgets, pdb, b =>
            {
                var status = b.Obj("status");
                status["observedGeneration"] = pdb.Long("metadata", "generation") ?? 1;
                status["expectedPods"] = budget.ExpectedPods;
                status["currentHealthy"] = budget.CurrentHealthy;
                status["desiredHealthy"] = budget.DesiredHealthy;
                status["disruptionsAllowed"] = budget.DisruptionsAllowed;
                var allowed = budget.DisruptionsAllowed > 0;
                var existing = status.Objects("conditions").FirstOrDefault(c => c.Str("type") == "DisruptionAllowed");
                if (existing?.Str("status") != (allowed ? "True" : "False"))
                {
                    status["conditions"] = new JsonArray(new JsonObject
                    {
                        ["type"] = "DisruptionAllowed",
                        ["status"] = allowed ? "True" : "False",
                        ["reason"] = allowed ? "SufficientPods" : "InsufficientPods",
                        ["message"] = "",
                        ["observedGeneration"] = pdb.Long("metadata", "generation") ?? 1,
                        ["lastTransitionTime"] = JsonExtensions.Timestamp(now),
                    });
                }
            });
        }
    }

    /// <summary>Records a core/v1 Event once per object, reason and message (or updates its count).</summary>
    private void Event(JsonObject involved, string type, string reason, string message, bool unique = true, int count = 1)
    {
        var key = $"{involved.Uid()}|{reason}|{message}";
        var now = JsonExtensions.Timestamp(Now);
        var name = unique || count > 1
            ? $"{involved.Name()}.{Templates.HashText(key)}"
            : $"{involved.Name()}.{Guid.NewGuid().ToString("N")[..16]}";
        if ((unique || count > 1) && !emitted.Add(key))
        {
            if (count > 1 && store.TryGet(ResourceTypes.Events, involved.Namespace(), name) is { } existing && existing.Long("count") != count)
            {
                Mutate(ResourceTypes.Events, existing, e =>
                {
                    e["count"] = count;
                    e["lastTimestamp"] = now;
                });
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
