using System.Net;
using System.Text.Json.Nodes;
using k8s.Autorest;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Persistence;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>The outcome of putting a snapshot back.</summary>
public sealed record RestoreOutcome(bool Success, string Message, IReadOnlyList<string> Evidence);

/// <summary>
/// Several objects captured by one operation (a multi-document apply_manifest): one snapshot document holds
/// them all, because snapshots are stored once per request and operation index.
/// </summary>
public static class ManifestSnapshot
{
    public const string Kind = "ManifestObjects";
    public const string ApiVersion = "k8s-agent.io/v1";

    public static string Write(IEnumerable<(bool Existed, JsonObject Object)> items) =>
        new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = Kind,
            ["items"] = new JsonArray(items.Select(i => (JsonNode)new JsonObject { ["existed"] = i.Existed, ["object"] = i.Object.Clone() }).ToArray()),
        }.ToJsonString();

    public static IReadOnlyList<(bool Existed, JsonObject Object)> Read(string json) =>
        (JsonNode.Parse(json)?["items"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(i => (i["existed"]?.GetValue<bool>() ?? true, i["object"] as JsonObject ?? new JsonObject()))
            .ToArray();
}

/// <summary>
/// Puts the objects of a snapshot back: the managed spec, data, labels and annotations onto the live object
/// (with its resourceVersion as precondition), a deleted object created again, an object the change created
/// deleted; then verifies like a forward change. Idempotent: restoring an already restored state changes nothing.
/// </summary>
public sealed class SnapshotRestorer(KubernetesObjects objects, RolloutVerifier verifier, int maxConflictRetries = 5)
{
    public async Task<RestoreOutcome> RestoreAsync(SnapshotDocument snapshot, VerificationOptions verification, CancellationToken cancellationToken)
    {
        IReadOnlyList<(bool Existed, JsonObject Object)> items;
        if (snapshot.Kind == ManifestSnapshot.Kind)
        {
            items = ManifestSnapshot.Read(snapshot.ObjectJson ?? "{}");
        }
        else
        {
            var obj = snapshot.ObjectJson is { } json ? JsonNode.Parse(json)!.AsObject() : Stub(snapshot);
            items = [(snapshot.Existed, obj)];
        }

        var messages = new List<string>();
        // Undo in the reverse order of the change.
        foreach (var (existed, obj) in items.Reverse())
        {
            var outcome = await RestoreObjectAsync(existed, obj, snapshot.Namespace, verification, cancellationToken);
            if (!outcome.Success)
            {
                return outcome with { Message = string.Join("; ", messages.Append(outcome.Message)) };
            }

            messages.Add(outcome.Message);
        }

        return new RestoreOutcome(true, string.Join("; ", messages), []);
    }

    private static JsonObject Stub(SnapshotDocument snapshot) => new()
    {
        ["apiVersion"] = snapshot.ApiVersion,
        ["kind"] = snapshot.Kind,
        ["metadata"] = new JsonObject { ["name"] = snapshot.Name, ["namespace"] = snapshot.Namespace },
    };

    private async Task<RestoreOutcome> RestoreObjectAsync(bool existed, JsonObject saved, string? defaultNamespace, VerificationOptions verification, CancellationToken ct)
    {
        var kind = saved["kind"]?.GetValue<string>();
        var apiVersion = saved["apiVersion"]?.GetValue<string>();
        if (ResourceKinds.Of(apiVersion, kind) is not { } type)
        {
            return new RestoreOutcome(false, $"cannot restore a {apiVersion} {kind}: not a resource type the platform manages", []);
        }

        var name = saved.Name() ?? "";
        var ns = KubernetesObjects.IsNamespaced(type) ? saved.Namespace() ?? defaultNamespace : null;
        var target = $"{WireNames.Of(type)}/{name}{(ns is null ? "" : $" in {ns}")}";
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var live = await objects.ReadAsync(type, ns, name, ct);
                try
                {
                    if (!existed)
                    {
                        if (live is null)
                        {
                            return new RestoreOutcome(true, $"{target} did not exist before and does not now", []);
                        }

                        await objects.DeleteAsync(type, ns, name, live.ResourceVersion(), dryRun: false, ct);
                        var gone = await verifier.VerifyDeletedAsync(objects, type, ns, name, verification, ct);
                        return new RestoreOutcome(gone.Success, gone.Success ? $"{target} deleted (it did not exist before)" : gone.Summary, gone.Evidence);
                    }

                    string done;
                    if (live is null)
                    {
                        await objects.CreateAsync(type, ManagedState.ForCreate(saved, ns), dryRun: false, ct);
                        done = $"{target} created again";
                    }
                    else
                    {
                        var desired = ManagedState.Restored(live, saved);
                        if (ManagedState.Same(desired, live))
                        {
                            done = $"{target} already matched the snapshot";
                        }
                        else
                        {
                            await objects.ReplaceAsync(type, desired, dryRun: false, ct);
                            done = $"{target} restored";
                        }
                    }

                    var verified = ns is null ? Verification.Done("") : await verifier.VerifyAsync(type, ns, name, verification, ct);
                    return verified.Success
                        ? new RestoreOutcome(true, done, [])
                        : new RestoreOutcome(false, $"{done}, but {verified.Summary}", verified.Evidence);
                }
                catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound && attempt < maxConflictRetries)
                {
                    // Someone (often a controller writing status) changed or removed it since it was read: read again.
                }
            }
        }
        catch (HttpOperationException e)
        {
            return new RestoreOutcome(false, $"{target}: the API refused the restore: HTTP {(int)e.Response.StatusCode}: {ApiErrors.Message(e)}", []);
        }
    }
}

/// <summary>The message of a Kubernetes Status answer.</summary>
public static class ApiErrors
{
    public static string Message(HttpOperationException e)
    {
        var content = e.Response?.Content;
        if (!string.IsNullOrWhiteSpace(content))
        {
            try
            {
                if (JsonNode.Parse(content)?["message"]?.GetValue<string>() is { } message)
                {
                    return message;
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // Not a Status body; the raw text below says more than nothing.
            }

            return content.Length > 300 ? content[..300] : content;
        }

        return e.Message;
    }
}
