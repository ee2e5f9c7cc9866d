using System.Text.Json.Nodes;
using System.Threading.Channels;
using K8sAgentPlatform.KubeSandbox.Api;

namespace K8sAgentPlatform.KubeSandbox.Store;

/// <summary>Who is writing: the main resource, its status subresource, or the simulated control plane.</summary>
public enum WriteScope
{
    Main,
    Status,
    Internal,
}

public sealed record WatchEvent(long ResourceVersion, string Type, ResourceType Resource, JsonObject Object);

/// <summary>Options of a delete, as a <c>DeleteOptions</c> body or query carries them.</summary>
public sealed record DeleteRequest(bool DryRun = false, bool Orphan = false, string? PreconditionUid = null, string? PreconditionResourceVersion = null);

/// <summary>
/// The cluster state: every object as JSON, one resourceVersion counter across all of them
/// (as etcd's revision is), and a bounded history of changes that watches resume from.
/// </summary>
public sealed class ObjectStore(TimeProvider time)
{
    private const int HistoryLimit = 20_000;

    private readonly Lock gate = new();
    private readonly Dictionary<ResourceType, ObjectTable> objects = [];
    private readonly LinkedList<WatchEvent> history = new();
    private readonly List<Watcher> watchers = [];
    private long version = 1;
    private long oldestResumableVersion = 1;

    public TimeProvider Time => time;

    public long ResourceVersion
    {
        get
        {
            lock (gate)
            {
                return version;
            }
        }
    }

    public JsonObject? TryGet(ResourceType type, string? ns, string name)
    {
        lock (gate)
        {
            return Find(type, ns, name)?.CloneObject();
        }
    }

    public JsonObject Get(ResourceType type, string? ns, string name) =>
        TryGet(type, ns, name) ?? throw ApiException.NotFound(type, name);

    public (List<JsonObject> Items, long ResourceVersion) List(ResourceType type, string? ns, Func<JsonObject, bool>? filter = null)
    {
        lock (gate)
        {
            var items = (ns is null || !type.Namespaced ? Table(type).All : Table(type).In(ns))
                .Where(o => filter is null || filter(o))
                .Select(o => o.CloneObject())
                .ToList();
            return (items, version);
        }
    }

    public JsonObject Create(ResourceType type, string? ns, JsonObject obj, bool dryRun = false, WriteScope scope = WriteScope.Main)
    {
        JsonObject stored;
        lock (gate)
        {
            var now = time.GetUtcNow();
            obj = obj.CloneObject().WithoutNulls();
            Admission.PrepareCreate(type, ns, obj, scope != WriteScope.Internal);
            var name = obj.Name();
            if (type.Namespaced && Find(ResourceTypes.Namespaces, null, obj.Namespace()!) is null)
            {
                throw ApiException.NotFound(ResourceTypes.Namespaces, obj.Namespace()!);
            }
            if (Find(type, obj.Namespace(), name) is not null)
            {
                throw ApiException.AlreadyExists(type, name);
            }
            var meta = obj.Meta();
            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = JsonExtensions.Timestamp(now);
            if (type.HasGeneration)
            {
                meta["generation"] = 1;
            }
            meta.Remove("deletionTimestamp");
            Admission.AfterIdentity(type, obj);
            if (dryRun)
            {
                meta["resourceVersion"] = version.ToString();
                return obj;
            }
            Commit(type, "ADDED", obj);
            stored = obj.CloneObject();
        }
        return stored;
    }

    /// <summary>
    /// Read-modify-write under the lock: <paramref name="change"/> gets a copy of the current object
    /// and returns the desired one. A desired object that equals the current one is not written.
    /// </summary>
    public JsonObject Update(ResourceType type, string? ns, string name, Func<JsonObject, JsonObject> change, WriteScope scope = WriteScope.Main, bool dryRun = false)
    {
        JsonObject result;
        lock (gate)
        {
            var current = Find(type, ns, name) ?? throw ApiException.NotFound(type, name);
            var desired = change(current.CloneObject()).WithoutNulls();
            var wantedRv = desired.Str("metadata", "resourceVersion");
            if (scope != WriteScope.Internal && !string.IsNullOrEmpty(wantedRv) && wantedRv != current.Str("metadata", "resourceVersion"))
            {
                throw ApiException.Conflict(type, name);
            }
            if (desired.Name() != name)
            {
                throw ApiException.BadRequest($"the name of the object ({desired.Name()}) does not match the name on the URL ({name})");
            }
            if (type.Namespaced && desired.Namespace() is { } bodyNs && bodyNs != current.Namespace())
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            if (scope == WriteScope.Status)
            {
                var statusOnly = current.CloneObject();
                statusOnly["status"] = desired["status"].CloneNode();
                desired = statusOnly;
            }
            else if (scope == WriteScope.Main && type.HasStatus)
            {
                desired["status"] = current["status"].CloneNode();
            }

            var meta = desired.Meta();
            var currentMeta = current.Meta();
            foreach (var key in new[] { "uid", "creationTimestamp", "namespace", "generation", "deletionTimestamp", "resourceVersion" })
            {
                meta[key] = currentMeta[key].CloneNode();
            }
            meta.Remove("managedFields");
            desired["apiVersion"] = type.ApiVersion;
            desired["kind"] = type.Kind;
            if (scope == WriteScope.Main)
            {
                Admission.PrepareUpdate(type, desired, current);
            }
            foreach (var (key, value) in desired.Meta().ToList())
            {
                if (value is null)
                {
                    desired.Meta().Remove(key);
                }
            }

            if (JsonNode.DeepEquals(desired, current))
            {
                return current.CloneObject();
            }
            if (type.HasGeneration && !JsonNode.DeepEquals(desired["spec"], current["spec"]))
            {
                meta["generation"] = (current.Long("metadata", "generation") ?? 0) + 1;
            }
            if (dryRun)
            {
                return desired;
            }
            Commit(type, "MODIFIED", desired);
            result = desired.CloneObject();
        }
        return result;
    }

    public JsonObject Delete(ResourceType type, string? ns, string name, DeleteRequest? request = null)
    {
        request ??= new DeleteRequest();
        JsonObject deleted;
        lock (gate)
        {
            var current = Find(type, ns, name) ?? throw ApiException.NotFound(type, name);
            if (request.PreconditionUid is { Length: > 0 } uid && uid != current.Uid())
            {
                throw new ApiException(409, "Conflict",
                    $"Operation cannot be fulfilled on {type.QualifiedPlural} \"{name}\": Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Uid()}",
                    Status.Details(type, name));
            }
            if (request.PreconditionResourceVersion is { Length: > 0 } rv && rv != current.Str("metadata", "resourceVersion"))
            {
                throw ApiException.Conflict(type, name);
            }
            if (request.DryRun)
            {
                return current.CloneObject();
            }
            deleted = Remove(type, current);
            if (!request.Orphan)
            {
                CollectGarbage(current);
            }
        }
        return deleted;
    }

    /// <summary>
    /// Starts a watch. With no resourceVersion (or "0") the current objects come first as ADDED
    /// events; otherwise every change after that version is replayed. Too old a version is 410 Gone.
    /// </summary>
    public WatchSubscription Watch(ResourceType type, string? ns, long? fromVersion, Func<JsonObject, bool> filter)
    {
        lock (gate)
        {
            var watcher = new Watcher(type, ns, filter);
            if (fromVersion is null or 0)
            {
                foreach (var o in Table(type).All.Where(watcher.Matches))
                {
                    watcher.Channel.Writer.TryWrite(new WatchEvent(o.Rv(), "ADDED", type, o.CloneObject()));
                }
            }
            else
            {
                if (fromVersion < oldestResumableVersion)
                {
                    throw new ApiException(410, "Expired", $"too old resource version: {fromVersion} ({oldestResumableVersion})");
                }
                foreach (var e in history.Where(e => e.ResourceVersion > fromVersion && e.Resource == type && watcher.Matches(e.Object)))
                {
                    watcher.Channel.Writer.TryWrite(e with { Object = e.Object.CloneObject() });
                }
            }
            watchers.Add(watcher);
            return new WatchSubscription(watcher.Channel.Reader, () =>
            {
                lock (gate)
                {
                    watchers.Remove(watcher);
                }
                watcher.Channel.Writer.TryComplete();
            });
        }
    }

    /// <summary>Everything in the store, for persistence.</summary>
    public JsonObject Export()
    {
        lock (gate)
        {
            var items = new JsonArray();
            foreach (var table in objects.Values)
            {
                foreach (var o in table.All)
                {
                    items.Add(o.CloneObject());
                }
            }
            return new JsonObject { ["resourceVersion"] = version, ["items"] = items };
        }
    }

    public void Import(JsonObject state)
    {
        lock (gate)
        {
            objects.Clear();
            history.Clear();
            foreach (var item in state.Objects("items"))
            {
                var type = ResourceTypes.ByKind(item.Str("apiVersion") ?? "", item.Str("kind") ?? "");
                if (type is not null)
                {
                    Table(type).Set(item.CloneObject());
                }
            }
            version = Math.Max(version, state.Long("resourceVersion") ?? 1);
            oldestResumableVersion = version;
        }
    }

    private JsonObject? Find(ResourceType type, string? ns, string name) =>
        Table(type).Get(type.Namespaced ? ns : null, name);

    private ObjectTable Table(ResourceType type)
    {
        if (!objects.TryGetValue(type, out var table))
        {
            table = new ObjectTable();
            objects[type] = table;
        }
        return table;
    }

    private void Commit(ResourceType type, string eventType, JsonObject obj)
    {
        version++;
        obj.Meta()["resourceVersion"] = version.ToString();
        var previous = Table(type).Get(obj.Namespace(), obj.Name());
        if (eventType == "DELETED")
        {
            Table(type).Remove(obj.Namespace(), obj.Name());
        }
        else
        {
            Table(type).Set(obj.CloneObject());
        }
        var e = new WatchEvent(version, eventType, type, obj.CloneObject());
        history.AddLast(e);
        if (history.Count > HistoryLimit)
        {
            oldestResumableVersion = history.First!.Value.ResourceVersion;
            history.RemoveFirst();
        }
        foreach (var w in watchers.Where(w => w.Type == type))
        {
            var was = previous is not null && eventType != "ADDED" && w.Matches(previous);
            var now = w.Matches(obj);
            // As a real watch cache does: entering a selector is ADDED, leaving it is DELETED.
            var seen = (eventType, was, now) switch
            {
                ("MODIFIED", false, true) => "ADDED",
                ("MODIFIED", true, false) => "DELETED",
                ("MODIFIED", false, false) => null,
                (_, _, true) => eventType,
                _ => null,
            };
            if (seen is not null)
            {
                w.Channel.Writer.TryWrite(e with { Type = seen, Object = obj.CloneObject() });
            }
        }
    }

    private JsonObject Remove(ResourceType type, JsonObject current)
    {
        var gone = current.CloneObject();
        Commit(type, "DELETED", gone);
        return gone;
    }

    /// <summary>Deletes dependents of a removed owner, and everything inside a removed namespace.</summary>
    private void CollectGarbage(JsonObject owner)
    {
        var pending = new Queue<JsonObject>([owner]);
        while (pending.TryDequeue(out var gone))
        {
            var uid = gone.Uid();
            var isNamespace = gone.Str("kind") == "Namespace";
            foreach (var (type, table) in objects.ToList())
            {
                foreach (var o in table.All.ToList())
                {
                    var inNamespace = isNamespace && type.Namespaced && o.Namespace() == gone.Name();
                    if (inNamespace || o.OwnerUids().Contains(uid))
                    {
                        Remove(type, o);
                        pending.Enqueue(o);
                    }
                }
            }
        }
    }

    /// <summary>
    /// One resource type's objects by namespace, then name: a namespaced list reads only its namespace (as the API
    /// server's storage does, keyed by namespace/name), in the same order as one table keyed by "namespace/name".
    /// </summary>
    private sealed class ObjectTable
    {
        // Keyed by "namespace/" so namespaces sort exactly as the "namespace/name" keys would.
        private readonly SortedDictionary<string, SortedDictionary<string, JsonObject>> namespaces = new(StringComparer.Ordinal);

        public IEnumerable<JsonObject> All => namespaces.Values.SelectMany(byName => byName.Values);

        public IEnumerable<JsonObject> In(string ns) =>
            namespaces.TryGetValue(Prefix(ns), out var byName) ? byName.Values : [];

        public JsonObject? Get(string? ns, string name) =>
            namespaces.TryGetValue(Prefix(ns), out var byName) ? byName.GetValueOrDefault(name) : null;

        public void Set(JsonObject obj)
        {
            var prefix = Prefix(obj.Namespace());
            if (!namespaces.TryGetValue(prefix, out var byName))
            {
                byName = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
                namespaces[prefix] = byName;
            }
            byName[obj.Name()] = obj;
        }

        public void Remove(string? ns, string name)
        {
            var prefix = Prefix(ns);
            if (namespaces.TryGetValue(prefix, out var byName) && byName.Remove(name) && byName.Count == 0)
            {
                namespaces.Remove(prefix);
            }
        }

        private static string Prefix(string? ns) => $"{ns}/";
    }

    private sealed class Watcher(ResourceType type, string? ns, Func<JsonObject, bool> filter)
    {
        public ResourceType Type { get; } = type;

        public Channel<WatchEvent> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<WatchEvent>();

        public bool Matches(JsonObject o) => (ns is null || o.Namespace() == ns) && filter(o);
    }
}

public sealed class WatchSubscription(ChannelReader<WatchEvent> events, Action stop) : IDisposable
{
    public ChannelReader<WatchEvent> Events { get; } = events;

    public void Dispose() => stop();
}
