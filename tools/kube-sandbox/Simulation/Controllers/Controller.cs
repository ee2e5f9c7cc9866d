using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation.Controllers;

/// <summary>What every controller works with: the store, the sandbox's options (its clock above all) and the events.</summary>
internal sealed record ControllerContext(ObjectStore Store, SandboxOptions Options, EventRecorder Events);

/// <summary>
/// One controller of the simulated control plane, for one kind (pods have two: the scheduler binds them, the
/// kubelet runs them). Every pass runs <see cref="Reconcile"/> of every controller, then <see cref="UpdateStatus"/>
/// of every controller (see <see cref="Simulator"/> for the order). Every change goes through the store, so clients
/// see it through resourceVersions and watches like any other write.
/// </summary>
internal abstract class Controller(ControllerContext context)
{
    /// <summary>The kind whose objects this controller acts on.</summary>
    public abstract ResourceType Kind { get; }

    /// <summary>Acts on what the specs ask for: creates, scales, deletes, binds, runs.</summary>
    public virtual void Reconcile()
    {
    }

    /// <summary>Writes what the pass produced: statuses, and what is derived from the pods' state.</summary>
    public virtual void UpdateStatus()
    {
    }

    protected ObjectStore Store => context.Store;

    protected SandboxOptions Options => context.Options;

    protected DateTimeOffset Now => context.Options.TimeProvider.GetUtcNow();

    /// <summary>Records a core/v1 Event once per object, reason and message (or updates its count).</summary>
    protected void Event(JsonObject involved, string type, string reason, string message, bool unique = true, int count = 1) =>
        context.Events.Record(involved, type, reason, message, unique, count);

    protected List<JsonObject> All(ResourceType type, string? ns = null) => Store.List(type, ns).Items;

    protected List<JsonObject> Owned(ResourceType type, JsonObject owner) =>
        Store.List(type, owner.Namespace(), o => o.ControllerUid() == owner.Uid()).Items;

    protected void Mutate(ResourceType type, JsonObject obj, Action<JsonObject> change) =>
        Store.Update(type, obj.Namespace(), obj.Name(), o =>
        {
            change(o);
            return o;
        }, WriteScope.Internal);

    protected static bool Active(JsonObject pod) =>
        pod.At("metadata", "deletionTimestamp") is null && pod.Str("status", "phase") is not ("Succeeded" or "Failed");

    protected static int Replicas(JsonObject o) => (int)(o.Long("spec", "replicas") ?? 1);

    protected static int Revision(JsonObject rs) => int.TryParse(rs.Annotation(Simulator.RevisionAnnotation), out var r) ? r : 0;

    protected JsonObject NewPod(JsonObject owner, string name, JsonNode? template, string? nodeName, Action<JsonObject>? extra = null)
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
        return Store.Create(ResourceTypes.Pods, owner.Namespace(), pod, scope: WriteScope.Internal);
    }

    protected void EnsureRevision(JsonObject owner, string name, JsonNode? template)
    {
        if (Store.TryGet(ResourceTypes.ControllerRevisions, owner.Namespace(), name) is not null)
        {
            return;
        }
        var existing = Owned(ResourceTypes.ControllerRevisions, owner);
        var labels = template.At("metadata", "labels").CloneNode() as JsonObject ?? new JsonObject();
        labels[Templates.ControllerRevisionHash] = name[(owner.Name().Length + 1)..];
        Store.Create(ResourceTypes.ControllerRevisions, owner.Namespace(), new JsonObject
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

    protected static void SetPodCondition(JsonObject status, string type, string value, DateTimeOffset at, string? reason = null, string? message = null)
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
}
