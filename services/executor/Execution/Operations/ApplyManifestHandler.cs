using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Persistence;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Executor.Execution.Operations;

/// <summary>apply_manifest: every object of a manifest in the operation's namespace, server-side applied.</summary>
internal sealed class ApplyManifestHandler(
    ChangeRunner runner,
    KubernetesObjects objects,
    RolloutVerifier verifier,
    ISnapshotStore snapshots,
    IOptions<ExecutorOptions> options,
    TimeProvider time) : IOperationHandler
{
    private readonly ExecutorOptions settings = options.Value;

    private sealed record ManifestObject(ResourceType Type, string? Namespace, string Name, JsonObject Desired)
    {
        public JsonObject? Live { get; set; }

        public string Target => $"{WireNames.Of(Type)}/{Name}{(Namespace is null ? "" : $" in {Namespace}")}";
    }

    public OperationType Type => OperationType.ApplyManifest;

    /// <summary>
    /// Server-side apply of every document, each object snapshotted first (Existed=false when new, so a rollback
    /// deletes it), existing ones applied with their resourceVersion as precondition; then workloads verified.
    /// </summary>
    public async Task<Outcome> ExecuteAsync(Run run)
    {
        var ct = run.CancellationToken;
        var manifest = run.Parameters<ApplyManifestParameters>().Manifest;
        var items = Parse(manifest, run.Namespace);
        foreach (var item in items)
        {
            item.Live = await objects.ReadAsync(item.Type, item.Namespace, item.Name, ct);
        }

        if (!run.Command.DryRun)
        {
            await SaveManifestSnapshotAsync(run, items);
        }

        var applied = new List<string>();
        foreach (var item in items)
        {
            var body = item.Desired.Clone();
            if (item.Live?.ResourceVersion() is { } rv)
            {
                body.Metadata()["resourceVersion"] = rv;
            }

            try
            {
                await objects.PatchAsync(item.Type, item.Namespace, item.Name, new V1Patch(body.ToJsonString(), V1Patch.PatchType.ApplyPatch), run.Command.DryRun, ct);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                var again = await objects.ReadAsync(item.Type, item.Namespace, item.Name, ct);
                var changed = item.Live is null || again is null || !ManagedState.Same(item.Live, again);
                if (changed)
                {
                    return Outcome.Failed(
                        $"{item.Target} was {(item.Live is null ? "created" : again is null ? "deleted" : "changed")} by someone else since it was read; not applied, so that change is not overwritten" +
                        (applied.Count > 0 ? $" (already applied: {string.Join(", ", applied)}; the snapshot {run.SnapshotId} undoes them)" : ""));
                }

                body.Metadata()["resourceVersion"] = again!.ResourceVersion();
                await objects.PatchAsync(item.Type, item.Namespace, item.Name, new V1Patch(body.ToJsonString(), V1Patch.PatchType.ApplyPatch), run.Command.DryRun, ct);
            }

            applied.Add($"{item.Target} {(item.Live is null ? "created" : "configured")}");
        }

        if (run.Command.DryRun)
        {
            return Outcome.Ok($"dry run of the manifest passed: {string.Join(", ", applied)}");
        }

        foreach (var item in items.Where(i => ResourceKinds.IsWorkload(i.Type)))
        {
            var verification = await verifier.VerifyAsync(item.Type, item.Namespace!, item.Name, settings.Verification, ct);
            if (!verification.Success)
            {
                return Outcome.Failed($"{string.Join(", ", applied)}; but {verification.Summary}", verification.Evidence);
            }
        }

        return Outcome.Ok(string.Join("\n", applied));
    }

    private static List<ManifestObject> Parse(string manifest, string? defaultNamespace)
    {
        List<object> documents;
        try
        {
            documents = KubernetesYaml.LoadAllFromString(manifest);
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or ArgumentException or InvalidOperationException or System.Text.Json.JsonException)
        {
            throw new UnusableRequestException($"the manifest cannot be read: {e.Message}");
        }

        var items = new List<ManifestObject>();
        foreach (var document in documents)
        {
            var json = JsonNode.Parse(KubernetesJson.Serialize(document))?.AsObject() ?? new JsonObject();
            var kind = json["kind"]?.GetValue<string>();
            var apiVersion = json["apiVersion"]?.GetValue<string>();
            var name = json.Name();
            if (ResourceKinds.Of(apiVersion, kind) is not { } type)
            {
                throw new UnusableRequestException($"the manifest holds a {apiVersion} {kind}, which is not a resource type the platform manages");
            }

            if (name is null)
            {
                throw new UnusableRequestException($"a {kind} in the manifest has no metadata.name");
            }

            if (!KubernetesObjects.IsNamespaced(type))
            {
                throw new UnusableRequestException($"{kind} {name} is cluster-scoped; a manifest may only hold objects of the operation's namespace");
            }

            var ns = json.Namespace() ?? defaultNamespace;
            if (ns != defaultNamespace)
            {
                throw new UnusableRequestException($"{kind} {name} is in namespace '{ns}', not in the operation's namespace '{defaultNamespace}'");
            }

            json.Metadata()["namespace"] = ns;
            items.Add(new ManifestObject(type, ns, name, json));
        }

        if (items.Count == 0)
        {
            throw new UnusableRequestException("the manifest holds no object");
        }

        return items;
    }

    private async Task SaveManifestSnapshotAsync(Run run, IReadOnlyList<ManifestObject> items)
    {
        var first = items[0];
        var (kind, apiVersion) = Kinds.Of(first.Type);
        var single = items.Count == 1;
        var saved = await snapshots.SaveAsync(new SnapshotDocument
        {
            Id = OperationExecutor.SnapshotId(run.Command.RequestId, run.Command.Index),
            RequestId = run.Command.RequestId,
            OperationIndex = run.Command.Index,
            Operation = run.Operation,
            Kind = single ? kind : ManifestSnapshot.Kind,
            ApiVersion = single ? apiVersion : ManifestSnapshot.ApiVersion,
            Namespace = first.Namespace,
            Name = first.Name,
            ObjectJson = single
                ? first.Live is null ? null : ManagedState.Of(first.Live).ToJsonString()
                : ManifestSnapshot.Write(items.Select(i => (i.Live is not null, i.Live is null ? Stub(i) : ManagedState.Of(i.Live)))),
            ResourceVersion = single ? first.Live?.ResourceVersion() : null,
            Existed = !single || first.Live is not null,
            CapturedAt = time.GetUtcNow(),
        }, run.CancellationToken);
        run.SnapshotId = saved.Id;
        // A resumed manifest is applied again: a server-side apply of the same documents converges on the same
        // state (a no-op where it is there already), and the first snapshot, the true pre-state, is the one kept.
        await runner.RecordStartAsync(run);
    }

    private static JsonObject Stub(ManifestObject item)
    {
        var (kind, apiVersion) = Kinds.Of(item.Type);
        return new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = kind,
            ["metadata"] = new JsonObject { ["name"] = item.Name, ["namespace"] = item.Namespace },
        };
    }
}
