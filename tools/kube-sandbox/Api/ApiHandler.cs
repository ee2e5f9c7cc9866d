using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using K8sAgentPlatform.KubeSandbox.Simulation;
using K8sAgentPlatform.KubeSandbox.Store;
using Microsoft.AspNetCore.Http;

namespace K8sAgentPlatform.KubeSandbox.Api;

/// <summary>Routes Kubernetes REST requests to the store: the whole API surface in one place.</summary>
internal sealed class ApiHandler(ObjectStore store, FaultInjector faults, WriteLog writes, SandboxOptions options)
{
    private static readonly string[] OpenPaths = ["/version", "/healthz", "/livez", "/readyz"];

    private sealed record Target(ResourceType Type, string? Namespace, string? Name, string? Subresource);

    private sealed record PendingWrite(string Verb, Target Target, bool DryRun);

    public async Task HandleAsync(HttpContext http)
    {
        try
        {
            var path = http.Request.Path.Value?.TrimEnd('/') ?? "";
            if (options.Token is { Length: > 0 } token && !OpenPaths.Contains(path)
                && http.Request.Headers.Authorization.ToString() != $"Bearer {token}")
            {
                throw new ApiException(401, "Unauthorized", "Unauthorized");
            }
            if (faults.Latency > TimeSpan.Zero)
            {
                await Task.Delay(faults.Latency, http.RequestAborted);
            }
            if (await Discovery.TryHandleAsync(http, path))
            {
                return;
            }
            var target = Parse(path) ?? throw new ApiException(404, "NotFound", "the server could not find the requested resource");
            await DispatchAsync(http, target);
        }
        catch (ApiException e)
        {
            if (e.RetryAfterSeconds is { } retry)
            {
                http.Response.Headers.RetryAfter = retry.ToString();
            }
            await WriteJsonAsync(http, e.Code, e.ToStatus());
        }
        catch (JsonException e)
        {
            await WriteJsonAsync(http, 400, ApiException.BadRequest($"error decoding request body: {e.Message}").ToStatus());
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            await WriteJsonAsync(http, 500, ApiException.Internal(e.Message).ToStatus());
        }
        finally
        {
            // Logged once answered, so the status says whether the write went through.
            if (http.Items[typeof(PendingWrite)] is PendingWrite write)
            {
                writes.Add(write.Verb, write.Target.Type.Plural, write.Target.Namespace, write.Target.Name, write.Target.Subresource, write.DryRun, http.Response.StatusCode);
            }
        }
    }

    private static Target? Parse(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        int rest;
        if (segments is ["api", "v1", ..])
        {
            (group, version, rest) = ("", "v1", 2);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], 3);
        }
        else
        {
            return null;
        }
        var tail = segments[rest..];
        if (tail.Length >= 3 && tail[0] == "namespaces" && ResourceTypes.Find(group, version, tail[2]) is { Namespaced: true } namespaced)
        {
            return tail.Length switch
            {
                3 => new Target(namespaced, tail[1], null, null),
                4 => new Target(namespaced, tail[1], tail[3], null),
                5 => new Target(namespaced, tail[1], tail[3], tail[4]),
                _ => null,
            };
        }
        if (tail.Length is < 1 or > 3 || ResourceTypes.Find(group, version, tail[0]) is not { } type)
        {
            return null;
        }
        if (type.Namespaced && tail.Length > 1)
        {
            return null;
        }
        return new Target(type, null, tail.ElementAtOrDefault(1), tail.ElementAtOrDefault(2));
    }

    private async Task DispatchAsync(HttpContext http, Target t)
    {
        var method = http.Request.Method;
        var query = http.Request.Query;
        var watch = query["watch"] is var w && (w == "true" || w == "1");
        var verb = (method, t.Name, t.Subresource) switch
        {
            ("GET", null, _) => watch ? "watch" : "list",
            ("GET", _, _) => "get",
            ("POST", null, _) => "create",
            ("POST", _, "eviction") => "create",
            ("PUT", not null, _) => "update",
            ("PATCH", not null, _) => "patch",
            ("DELETE", null, _) => "deletecollection",
            ("DELETE", _, _) => "delete",
            _ => throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource"),
        };
        if (t.Subresource is { } sub && !t.Type.Subresources.Contains(sub))
        {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }
        var dryRun = query["dryRun"].Contains("All");
        if (verb is not ("get" or "list" or "watch"))
        {
            http.Items[typeof(PendingWrite)] = new PendingWrite(verb, t, dryRun);
        }
        if (faults.Roll(verb, t.Type, t.Name) is { } injected)
        {
            throw injected;
        }
        switch (verb)
        {
            case "watch":
                await WatchAsync(http, t);
                return;
            case "list":
                await ListAsync(http, t);
                return;
            case "get":
                await GetAsync(http, t);
                return;
            case "create" when t.Subresource == "eviction":
                await EvictAsync(http, t, dryRun);
                return;
            case "create":
                {
                    var body = await ReadObjectAsync(http);
                    var created = store.Create(t.Type, t.Namespace, body, dryRun);
                    await WriteJsonAsync(http, 201, created);
                    return;
                }
            case "update":
            case "patch":
                await WriteAsync(http, t, verb, dryRun);
                return;
            case "delete":
                {
                    var request = await ReadDeleteAsync(http, dryRun);
                    ApplyEditHook(t, onRead: false);
                    var deleted = store.Delete(t.Type, t.Namespace, t.Name!, request);
                    await WriteJsonAsync(http, 200, deleted);
                    return;
                }
            default:
                {
                    var request = await ReadDeleteAsync(http, dryRun);
                    var (items, _) = store.List(t.Type, t.Namespace, Filter(http));
                    var deleted = new JsonArray();
                    foreach (var item in items)
                    {
                        try
                        {
                            deleted.Add(store.Delete(t.Type, item.Namespace(), item.Name(), request));
                        }
                        catch (ApiException e) when (e.Code == 404)
                        {
                            // Already taken by a cascade of an earlier item.
                        }
                    }
                    await WriteJsonAsync(http, 200, ListOf(t.Type, deleted, store.ResourceVersion));
                    return;
                }
        }
    }

    private async Task GetAsync(HttpContext http, Target t)
    {
        var obj = store.Get(t.Type, t.Namespace, t.Name!);
        switch (t.Subresource)
        {
            case "scale":
                await WriteJsonAsync(http, 200, Scale.From(obj));
                break;
            case "log":
                await WriteLogAsync(http, obj);
                break;
            default:
                await WriteJsonAsync(http, 200, Tables.Wanted(http.Request) && t.Subresource is null
                    ? Tables.For(t.Type, [obj], obj.Str("metadata", "resourceVersion") ?? "", store.Time.GetUtcNow(), http.Request)
                    : obj);
                break;
        }
        ApplyEditHook(t, onRead: true);
    }

    private async Task ListAsync(HttpContext http, Target t)
    {
        var (items, rv) = store.List(t.Type, t.Namespace, Filter(http));
        if (Tables.Wanted(http.Request))
        {
            await WriteJsonAsync(http, 200, Tables.For(t.Type, items, rv.ToString(), store.Time.GetUtcNow(), http.Request));
            return;
        }
        var list = ListOf(t.Type, new JsonArray(), rv);
        var (offset, limit) = Page(http.Request.Query);
        var page = items.Skip(offset).Take(limit > 0 ? limit : int.MaxValue).ToList();
        list["items"] = new JsonArray(page.ToArray<JsonNode?>());
        if (limit > 0 && offset + page.Count < items.Count)
        {
            var meta = list.Obj("metadata");
            meta["continue"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{rv}:{offset + page.Count}"));
            meta["remainingItemCount"] = items.Count - offset - page.Count;
        }
        await WriteJsonAsync(http, 200, list);
    }

    private static (int Offset, int Limit) Page(IQueryCollection query)
    {
        var limit = int.TryParse(query["limit"], out var l) ? l : 0;
        if (query["continue"].ToString() is not { Length: > 0 } token)
        {
            return (0, limit);
        }
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            return (int.Parse(text[(text.IndexOf(':') + 1)..]), limit);
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest("continue key is not valid");
        }
    }

    private static JsonObject ListOf(ResourceType type, JsonArray items, long rv) => new()
    {
        ["kind"] = type.Kind + "List",
        ["apiVersion"] = type.ApiVersion,
        ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString() },
        ["items"] = items,
    };

    private static Func<JsonObject, bool> Filter(HttpContext http)
    {
        var labels = LabelSelector.Parse(http.Request.Query["labelSelector"]);
        var fields = FieldSelector.Parse(http.Request.Query["fieldSelector"]);
        return o => labels.Matches(o.Labels()) && fields.Matches(o);
    }

    private async Task WatchAsync(HttpContext http, Target t)
    {
        var query = http.Request.Query;
        var filter = Filter(http);
        if (t.Name is not null)
        {
            var name = t.Name;
            var inner = filter;
            filter = o => o.Name() == name && inner(o);
        }
        long? from = long.TryParse(query["resourceVersion"], out var rv) ? rv : null;
        var timeout = int.TryParse(query["timeoutSeconds"], out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        var bookmarks = query["allowWatchBookmarks"] == "true";
        var asTable = Tables.Wanted(http.Request);
        var columnsSent = false;

        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        WatchSubscription subscription;
        try
        {
            subscription = store.Watch(t.Type, t.Namespace, from, filter);
        }
        catch (ApiException e)
        {
            await WriteEventAsync(http, "ERROR", e.ToStatus());
            return;
        }
        using var _ = subscription;
        await http.Response.StartAsync(http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
        var deadline = store.Time.GetUtcNow() + timeout;
        while (!http.RequestAborted.IsCancellationRequested)
        {
            var left = deadline - store.Time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                break;
            }
            var wait = bookmarks && options.BookmarkInterval < left ? options.BookmarkInterval : left;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            cts.CancelAfter(wait);
            try
            {
                var e = await subscription.Events.ReadAsync(cts.Token);
                var obj = e.Object;
                if (asTable)
                {
                    // Like the real server: the first event of a Table watch carries the columns.
                    obj = Tables.For(t.Type, [e.Object], e.ResourceVersion.ToString(), store.Time.GetUtcNow(), http.Request);
                    if (columnsSent)
                    {
                        obj.Remove("columnDefinitions");
                    }
                    columnsSent = true;
                }
                await WriteEventAsync(http, e.Type, obj);
            }
            catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
            {
                if (bookmarks)
                {
                    await WriteEventAsync(http, "BOOKMARK", new JsonObject
                    {
                        ["kind"] = t.Type.Kind,
                        ["apiVersion"] = t.Type.ApiVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = store.ResourceVersion.ToString() },
                    });
                }
            }
            catch (ChannelClosedException)
            {
                break;
            }
        }
    }

    private static async Task WriteEventAsync(HttpContext http, string type, JsonObject obj)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj }.ToJsonString() + "\n";
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private async Task WriteAsync(HttpContext http, Target t, string verb, bool dryRun)
    {
        var mediaType = MediaType(http);
        PatchType? patchType = null;
        if (verb == "patch")
        {
            patchType = Patches.TypeOf(mediaType) ?? throw ApiException.UnsupportedMediaType(mediaType ?? "");
        }
        else if (mediaType is not (null or "application/json"))
        {
            throw ApiException.UnsupportedMediaType(mediaType);
        }
        var body = Patches.ParseBody(await ReadBodyAsync(http));
        ApplyEditHook(t, onRead: false);
        var scope = t.Subresource == "status" ? WriteScope.Status : WriteScope.Main;
        var name = t.Name!;

        if (patchType == PatchType.Apply && store.TryGet(t.Type, t.Namespace, name) is null)
        {
            var created = store.Create(t.Type, t.Namespace, body as JsonObject ?? throw ApiException.BadRequest("apply needs an object"), dryRun);
            await WriteJsonAsync(http, 201, created);
            return;
        }

        if (t.Subresource == "scale")
        {
            var result = store.Update(t.Type, t.Namespace, name, current =>
            {
                var scale = Scale.From(current);
                var desired = patchType is { } p ? Patches.Apply(scale.CloneObject(), p, body) : body as JsonObject ?? throw ApiException.BadRequest("expected a Scale object");
                var replicas = desired.Long("spec", "replicas") ?? 0;
                if (replicas < 0)
                {
                    throw ApiException.Invalid(new ResourceType("autoscaling", "v1", "scale", "scale", "Scale", true, [], [], [], false),
                        name, "spec.replicas", $"Invalid value: {replicas}: must be greater than or equal to 0");
                }
                current.Obj("spec")["replicas"] = replicas;
                current.Meta()["resourceVersion"] = desired.Str("metadata", "resourceVersion");
                return current;
            }, WriteScope.Main, dryRun);
            await WriteJsonAsync(http, 200, Scale.From(result));
            return;
        }

        var updated = store.Update(t.Type, t.Namespace, name, current =>
        {
            if (patchType is { } p)
            {
                return Patches.Apply(current, p, body);
            }
            var replacement = body as JsonObject ?? throw ApiException.BadRequest("expected an object");
            if (string.IsNullOrEmpty(replacement.Name()))
            {
                replacement.Meta()["name"] = name;
            }
            return replacement;
        }, scope, dryRun);
        await WriteJsonAsync(http, 200, updated);
    }

    private async Task EvictAsync(HttpContext http, Target t, bool dryRun)
    {
        var body = Patches.ParseBody(await ReadBodyAsync(http)) as JsonObject;
        dryRun |= body?.At("deleteOptions", "dryRun") is JsonArray d && d.Any(v => v?.ToString() == "All");
        var pod = store.Get(ResourceTypes.Pods, t.Namespace, t.Name!);
        var blocking = Disruption.Blocking(store, pod);
        if (blocking is { } budget)
        {
            throw ApiException.TooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10,
                new JsonObject
                {
                    ["causes"] = new JsonArray(new JsonObject
                    {
                        ["reason"] = "DisruptionBudget",
                        ["message"] = $"The disruption budget {budget.Name} needs {budget.DesiredHealthy} healthy pods and has {budget.CurrentHealthy} currently",
                    }),
                });
        }
        if (!dryRun)
        {
            store.Delete(ResourceTypes.Pods, t.Namespace, t.Name!);
        }
        await WriteJsonAsync(http, 201, Status.Success(201));
    }

    private async Task WriteLogAsync(HttpContext http, JsonObject pod)
    {
        var query = http.Request.Query;
        var containers = pod.Objects("spec", "containers").Select(c => c.Str("name")!).ToList();
        string container = query["container"].ToString();
        if (container.Length == 0)
        {
            if (containers.Count != 1)
            {
                throw ApiException.BadRequest($"a container name must be specified for pod {pod.Name()}, choose one of: [{string.Join(" ", containers)}]");
            }
            container = containers[0];
        }
        if (!containers.Contains(container))
        {
            throw ApiException.BadRequest($"container {container} is not valid for pod {pod.Name()}");
        }
        var text = PodLogs.Render(pod, container, store.Time.GetUtcNow(),
            int.TryParse(query["tailLines"], out var tail) ? tail : null,
            int.TryParse(query["sinceSeconds"], out var since) ? since : null);
        http.Response.StatusCode = 200;
        http.Response.ContentType = "text/plain";
        await http.Response.WriteAsync(text, http.RequestAborted);
    }

    private void ApplyEditHook(Target t, bool onRead)
    {
        if (t.Name is { } name && faults.TakeHook(t.Type, t.Namespace, name, onRead) is { } edit)
        {
            store.Update(t.Type, t.Namespace, name, o =>
            {
                edit(o);
                return o;
            }, WriteScope.Internal);
        }
    }

    private static string? MediaType(HttpContext http) =>
        MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var parsed) ? parsed.MediaType : null;

    private static async Task<string> ReadBodyAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(http.RequestAborted);
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext http)
    {
        var mediaType = MediaType(http);
        if (mediaType == Protobuf.MediaType)
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            return Protobuf.Decode(buffer.ToArray());
        }
        if (mediaType is not (null or "application/json"))
        {
            throw ApiException.UnsupportedMediaType(mediaType);
        }
        return Patches.ParseBody(await ReadBodyAsync(http)) as JsonObject ?? throw ApiException.BadRequest("the request body must be an object");
    }

    private static async Task<DeleteRequest> ReadDeleteAsync(HttpContext http, bool dryRun)
    {
        var text = MediaType(http) is null or "application/json" ? await ReadBodyAsync(http) : "";
        var body = string.IsNullOrWhiteSpace(text) ? null : Patches.ParseBody(text) as JsonObject;
        var policy = body.Str("propagationPolicy") ?? http.Request.Query["propagationPolicy"].ToString();
        var orphan = policy == "Orphan" || body?.At("orphanDependents") is JsonValue v && v.GetValueKind() == JsonValueKind.True;
        dryRun |= body?.At("dryRun") is JsonArray d && d.Any(x => x?.ToString() == "All");
        return new DeleteRequest(dryRun, orphan, body.Str("preconditions", "uid"), body.Str("preconditions", "resourceVersion"));
    }

    internal static async Task WriteJsonAsync(HttpContext http, int code, JsonNode body, string contentType = "application/json")
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = contentType;
        await http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted);
    }
}
