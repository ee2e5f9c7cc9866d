using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Persistence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Executor.Execution;

/// <summary>
/// Carries out one operation: for a change, reads the object, stores its snapshot, applies the change with the
/// resourceVersion it read as precondition, then verifies it (for workloads, the rollout). Read-only operations
/// return what they read. Every operation type has an implementation; failures come back as an outcome with
/// the reason and the evidence, never as "not supported".
/// </summary>
public sealed partial class OperationExecutor(
    KubernetesObjects objects,
    RolloutVerifier verifier,
    SnapshotRestorer restorer,
    ISnapshotStore snapshots,
    IExecutionRecordStore records,
    IOptions<ExecutorOptions> options,
    TimeProvider time,
    ILogger<OperationExecutor> logger)
{
    private const string All = "All";
    private readonly ExecutorOptions settings = options.Value;

    private IKubernetes Client => objects.Client;

    public Task<OperationExecuted> ExecuteAsync(ExecuteOperation command, CancellationToken cancellationToken) =>
        ExecuteAsync(command, interrupted: null, cancellationToken);

    /// <summary>
    /// Executes the operation; <paramref name="interrupted"/> is the record of an earlier attempt that started
    /// changing the cluster and never finished (the executor stopped), which this attempt resumes.
    /// </summary>
    public async Task<OperationExecuted> ExecuteAsync(ExecuteOperation command, ExecutionRecord? interrupted, CancellationToken cancellationToken)
    {
        var started = interrupted?.StartedAt ?? time.GetUtcNow();
        var run = new Run(command, cancellationToken) { StartedAt = started, Interrupted = command.DryRun ? null : interrupted };
        using var activity = PlatformTelemetry.Source.StartActivity("executor execute");
        activity?.SetTag("k8s_agent.operation_index", command.Index);
        activity?.SetTag("k8s_agent.operation_type", command.Operation is { } op && Enum.IsDefined(op.OperationType) ? WireNames.Of(op.OperationType) : null);
        activity?.SetTag("k8s_agent.namespace", command.Operation?.Namespace);
        activity?.SetTag("k8s_agent.dry_run", command.DryRun);
        Outcome outcome;
        try
        {
            outcome = Invalid(command.Operation) is { } invalid
                ? Outcome.Failed(invalid)
                : await DispatchAsync(run);
        }
        catch (HttpOperationException e)
        {
            outcome = Outcome.Failed($"{run.Target}: the Kubernetes API answered HTTP {(int)e.Response.StatusCode}: {ApiErrors.Message(e)}");
        }
        catch (HttpRequestException e)
        {
            outcome = Outcome.Failed($"{run.Target}: the Kubernetes API could not be reached: {e.Message}");
        }
        catch (UnusableRequestException e)
        {
            outcome = Outcome.Failed(e.Message);
        }

        activity?.SetTag("k8s_agent.success", outcome.Success);
        if (!outcome.Success)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "operation failed");
        }

        if (outcome.Success)
        {
            logger.LogInformation("Operation {Index} of request {RequestId} ({Operation} {Target}) succeeded", command.Index, command.RequestId, run.Type, run.Target);
        }
        else
        {
            logger.LogWarning("Operation {Index} of request {RequestId} ({Operation} {Target}) failed: {Error}", command.Index, command.RequestId, run.Type, run.Target, outcome.Error);
        }

        return new OperationExecuted
        {
            RequestId = command.RequestId,
            Index = command.Index,
            Success = outcome.Success,
            SnapshotId = run.SnapshotId,
            Result = outcome.Result,
            Error = outcome.Error,
            Evidence = outcome.Evidence,
            StartedAt = run.StartedAt,
            FinishedAt = time.GetUtcNow(),
        };
    }

    private Task<Outcome> DispatchAsync(Run run) => run.Operation.OperationType switch
    {
        OperationType.Scale => ScaleAsync(run),
        OperationType.Restart => RestartAsync(run),
        OperationType.UpdateImage => UpdateImageAsync(run),
        OperationType.UpdateConfig => UpdateConfigAsync(run),
        OperationType.Delete => DeleteAsync(run),
        OperationType.GetStatus => GetStatusAsync(run),
        OperationType.GetLogs => GetLogsAsync(run),
        OperationType.ApplyManifest => ApplyManifestAsync(run),
        OperationType.Rollback => RollbackAsync(run),
        OperationType.CordonNode => CordonAsync(run, unschedulable: true),
        OperationType.UncordonNode => CordonAsync(run, unschedulable: false),
        OperationType.DrainNode => DrainAsync(run),
        _ => throw new ArgumentOutOfRangeException(nameof(run), run.Operation.OperationType, "unknown operation type"),
    };

    /// <summary>Messages may come from any publisher: names end up in API paths, so they are checked again here.</summary>
    private static string? Invalid(KubernetesOperation? op)
    {
        if (op is null)
        {
            return "the command carries no operation";
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(op.ResourceName ?? "", Bounds.DnsSubdomainPattern) || op.ResourceName!.Length > Bounds.MaxResourceName)
        {
            return $"resource name '{op.ResourceName}' is not a DNS-1123 subdomain";
        }

        if (op.ResourceType.IsClusterScoped() != (op.Namespace is null))
        {
            return op.Namespace is null ? $"a {WireNames.Of(op.ResourceType)} needs a namespace" : $"a {WireNames.Of(op.ResourceType)} has no namespace";
        }

        if (op.Namespace is { } ns && (!System.Text.RegularExpressions.Regex.IsMatch(ns, Bounds.DnsLabelPattern) || ns.Length > Bounds.MaxNamespace))
        {
            return $"namespace '{ns}' is not a DNS-1123 label";
        }

        return null;
    }

    // ---- the change protocol: read, snapshot, apply with precondition, re-check on 409, verify ----------

    // refusal: why the change cannot apply to the object as read, or null. apply: sends the change with the
    // object's resourceVersion as precondition (a dry run when asked). verify: checks that it took effect.
    // applied: whether the live object (null when gone) is already in the state the change produces.
    private Task<Outcome> ChangeAsync(Run run, Func<JsonObject, string?> refusal, Func<JsonObject, bool, Task> apply, Func<JsonObject, Task<Outcome>> verify, Func<JsonObject?, bool> applied) =>
        ChangeCheckedAsync(run, current => Task.FromResult(refusal(current)), apply, verify, applied);

    private async Task<Outcome> ChangeCheckedAsync(Run run, Func<JsonObject, Task<string?>> refusal, Func<JsonObject, bool, Task> apply, Func<JsonObject, Task<Outcome>> verify, Func<JsonObject?, bool> applied)
    {
        var ct = run.CancellationToken;
        var current = await objects.ReadAsync(run.Type, run.Namespace, run.Name, ct);
        if (run.Interrupted is { } interrupted)
        {
            switch (await ResumeAsync(run, interrupted, current, applied))
            {
                case (Resumption.Verify, var before, _):
                    await refusal(before);
                    return await verify(before);
                case (Resumption.Refuse, _, var why):
                    return Outcome.Failed(why!);
            }
        }

        if (current is null)
        {
            return Outcome.Failed($"{run.Target} does not exist");
        }

        // A resumed attempt passed this check before it took the snapshot; only server fields moved since.
        if (run.Interrupted is null && run.Command.ExpectedResourceVersion is { } expected && current.ResourceVersion() != expected)
        {
            return Outcome.Failed($"{run.Target} changed since it was approved (resourceVersion {expected}, now {current.ResourceVersion()}); not applied: it needs to be validated and approved again");
        }

        if (await refusal(current) is { } refused)
        {
            return Outcome.Failed($"{run.Target}: {refused}");
        }

        if (run.Command.DryRun)
        {
            await apply(current, true);
            return Outcome.Ok($"dry run of {WireNames.Of(run.Operation.OperationType)} on {run.Target} passed");
        }

        var snapshot = await SaveSnapshotAsync(run, current, existed: true);
        using (var applying = PlatformTelemetry.Source.StartActivity("executor apply"))
        {
            for (var attempt = 1; ; attempt++)
            {
                applying?.SetTag("k8s_agent.attempts", attempt);
                try
                {
                    await apply(current, false);
                    break;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
                {
                    applying?.AddEvent(new System.Diagnostics.ActivityEvent("conflict"));
                    var again = await objects.ReadAsync(run.Type, run.Namespace, run.Name, ct);
                    if (again is null)
                    {
                        await Unused(snapshot);
                        return Outcome.Failed($"{run.Target} was deleted by someone else between the snapshot and the change; nothing was applied");
                    }

                    if (!ManagedState.Same(current, again))
                    {
                        await Unused(snapshot);
                        return Outcome.Failed(
                            $"{run.Target} was changed by someone else between the snapshot (resourceVersion {current.ResourceVersion()}) and the change (now {again.ResourceVersion()}); " +
                            "nothing was applied, so that change is not overwritten: validate the request again against the new state");
                    }

                    if (attempt >= settings.MaxConflictRetries)
                    {
                        await Unused(snapshot);
                        return Outcome.Failed($"{run.Target} kept changing (409 Conflict {attempt} times in a row); nothing was applied");
                    }

                    if (await refusal(again) is { } refusedNow)
                    {
                        await Unused(snapshot);
                        return Outcome.Failed($"{run.Target}: {refusedNow}");
                    }

                    // Only server-written fields (status, revision annotations) moved: the snapshot still holds.
                    logger.LogDebug("Request {RequestId}: {Target} moved from {Old} to {New} (server fields only); applying again", run.Command.RequestId, run.Target, current.ResourceVersion(), again.ResourceVersion());
                    current = again;
                }
            }
        }

        using var verifying = PlatformTelemetry.Source.StartActivity("executor verify");
        var verified = await verify(current);
        verifying?.SetTag("k8s_agent.success", verified.Success);
        return verified;
    }

    private enum Resumption
    {
        Apply,
        Verify,
        Refuse,
    }

    /// <summary>
    /// An earlier attempt stored its snapshot, recorded its start and then stopped (the executor was killed or
    /// restarted) before recording an outcome: the change may or may not have reached the server. Applying again
    /// blindly can apply twice (a restart restarts again, a scale overwrites what an autoscaler did since);
    /// failing blindly rolls back a change that went through. So the live object decides, compared with the
    /// snapshot and with the state the change produces: already in that state => it was applied, go on to
    /// verification; managed fields still those of the snapshot => it never reached the server, apply it now
    /// (the live resourceVersion is the precondition, so a concurrent writer still gets a 409, not an
    /// overwrite); anything else => someone else changed the object meanwhile, and nothing is applied over it.
    /// </summary>
    private async Task<(Resumption, JsonObject, string?)> ResumeAsync(Run run, ExecutionRecord interrupted, JsonObject? current, Func<JsonObject?, bool> applied)
    {
        var snapshot = interrupted.SnapshotId is { } id ? await snapshots.GetAsync(id, run.CancellationToken) : null;
        run.SnapshotId = snapshot?.Id;
        var before = snapshot?.ObjectJson is { } json ? JsonNode.Parse(json)!.AsObject() : null;
        if (before is null)
        {
            return (Resumption.Refuse, new JsonObject(),
                $"{run.Target}: an earlier attempt of this operation was interrupted and its snapshot cannot be read; not applied again");
        }

        if (applied(current))
        {
            logger.LogInformation("Request {RequestId}: operation {Index} was interrupted after {Target} was changed; verifying it", run.Command.RequestId, run.Command.Index, run.Target);
            return (Resumption.Verify, before, null);
        }

        if (current is not null && ManagedState.Same(before, current))
        {
            logger.LogInformation("Request {RequestId}: operation {Index} was interrupted before {Target} was changed; applying it", run.Command.RequestId, run.Command.Index, run.Target);
            return (Resumption.Apply, before, null);
        }

        return (Resumption.Refuse, before, current is null
            ? $"{run.Target} was deleted by someone else while this operation was interrupted; nothing was applied again"
            : $"{run.Target} was changed by someone else while this operation was interrupted (resourceVersion {snapshot!.ResourceVersion} at the snapshot, now {current.ResourceVersion()}); " +
              "nothing was applied again, so that change is not overwritten");
    }

    /// <summary>Records that the change is about to be applied, with its snapshot: what a restarted executor resumes from.</summary>
    private async Task RecordStartAsync(Run run)
    {
        await records.StartAsync(new ExecutionRecord
        {
            RequestId = run.Command.RequestId,
            OperationIndex = run.Command.Index,
            SnapshotId = run.SnapshotId,
            StartedAt = run.StartedAt,
        }, run.CancellationToken);
    }

    /// <summary>Stores the object as it was (idempotent per request and index: a redelivery keeps the first).</summary>
    private async Task<SnapshotDocument> SaveSnapshotAsync(Run run, JsonObject? current, bool existed)
    {
        var (kind, apiVersion) = Kinds.Of(run.Type);
        var saved = await snapshots.SaveAsync(new SnapshotDocument
        {
            Id = SnapshotId(run.Command.RequestId, run.Command.Index),
            RequestId = run.Command.RequestId,
            OperationIndex = run.Command.Index,
            Operation = run.Operation,
            Kind = kind,
            ApiVersion = apiVersion,
            Namespace = run.Namespace,
            Name = run.Name,
            ObjectJson = existed && current is not null ? ManagedState.Of(current).ToJsonString() : null,
            ResourceVersion = current?.ResourceVersion(),
            Existed = existed,
            CapturedAt = time.GetUtcNow(),
        }, run.CancellationToken);
        run.SnapshotId = saved.Id;
        await RecordStartAsync(run);
        return saved;
    }

    /// <summary>
    /// A snapshot of a change that was never applied is marked consumed, so a rollback "by resource" does not
    /// pick it and put back a state older than what someone else has since written.
    /// </summary>
    private async Task Unused(SnapshotDocument snapshot)
    {
        await snapshots.MarkConsumedAsync(snapshot.Id, time.GetUtcNow(), CancellationToken.None);
    }

    /// <summary>"snap-" and 16 hex characters derived from the request and index: the same on every redelivery.</summary>
    public static string SnapshotId(Guid requestId, int index) =>
        "snap-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{requestId:N}/{index}")))[..16];

    private async Task<Outcome> VerifyRolloutAsync(Run run, string done)
    {
        var verification = await verifier.VerifyAsync(run.Type, run.Namespace!, run.Name, settings.Verification, run.CancellationToken);
        return verification.Success
            ? Outcome.Ok($"{done}; rollout complete: {verification.Summary}")
            : Outcome.Failed($"{done}, but {verification.Summary}", verification.Evidence);
    }

    private static string? OnlyFor(Run run, params ResourceType[] types) =>
        types.Contains(run.Type)
            ? null
            : $"{WireNames.Of(run.Operation.OperationType)} applies to {string.Join(", ", types.Select(t => WireNames.Of(t)))}, not to a {WireNames.Of(run.Type)}";

    private static V1Patch Patch(string body, V1Patch.PatchType type, JsonObject current) =>
        new(ExecutorRequests.WithResourceVersion(body, current.ResourceVersion() ?? ""), type);

    // ---- scale, restart, update_image, update_config, delete ------------------------------------------

    private Task<Outcome> ScaleAsync(Run run)
    {
        var replicas = run.Parameters<ScaleParameters>().Replicas;
        int? before = null;
        return ChangeAsync(run,
            current =>
            {
                before = current["spec"]?["replicas"]?.GetValue<int>() ?? 1;
                return OnlyFor(run, ResourceType.Deployment, ResourceType.StatefulSet, ResourceType.ReplicaSet);
            },
            async (current, dryRun) =>
            {
                var patch = Patch(ExecutorRequests.ScalePatch(replicas), V1Patch.PatchType.MergePatch, current);
                var dry = dryRun ? All : null;
                var ns = run.Namespace!;
                _ = run.Type switch
                {
                    ResourceType.Deployment => await Client.AppsV1.PatchNamespacedDeploymentScaleAsync(body: patch, name: run.Name, namespaceParameter: ns, dryRun: dry, fieldManager: KubernetesObjects.FieldManager, cancellationToken: run.CancellationToken),
                    ResourceType.StatefulSet => await Client.AppsV1.PatchNamespacedStatefulSetScaleAsync(body: patch, name: run.Name, namespaceParameter: ns, dryRun: dry, fieldManager: KubernetesObjects.FieldManager, cancellationToken: run.CancellationToken),
                    _ => await Client.AppsV1.PatchNamespacedReplicaSetScaleAsync(body: patch, name: run.Name, namespaceParameter: ns, dryRun: dry, fieldManager: KubernetesObjects.FieldManager, cancellationToken: run.CancellationToken),
                };
            },
            _ => VerifyRolloutAsync(run, $"{run.Target} scaled from {before} to {replicas} replicas"),
            live => live?["spec"]?["replicas"]?.GetValue<int>() == replicas);
    }

    private Task<Outcome> RestartAsync(Run run) =>
        ChangeAsync(run,
            _ => OnlyFor(run, ResourceType.Deployment, ResourceType.StatefulSet, ResourceType.DaemonSet),
            (current, dryRun) => objects.PatchAsync(run.Type, run.Namespace, run.Name,
                Patch(ExecutorRequests.RestartPatch(run.StartedAt), V1Patch.PatchType.StrategicMergePatch, current), dryRun, run.CancellationToken),
            _ => VerifyRolloutAsync(run, $"{run.Target} restarted"),
            // The restart is stamped with the start of the first attempt, so a resumed one recognises its own.
            live => live?["spec"]?["template"]?["metadata"]?["annotations"]?[ExecutorRequests.RestartedAtAnnotation]?.GetValue<string>() == ExecutorRequests.RestartedAt(run.StartedAt));

    private Task<Outcome> UpdateImageAsync(Run run)
    {
        var image = run.Parameters<UpdateImageParameters>();
        string? before = null;
        return ChangeAsync(run,
            current =>
            {
                if (OnlyFor(run, ResourceType.Deployment, ResourceType.StatefulSet, ResourceType.DaemonSet) is { } wrongType)
                {
                    return wrongType;
                }

                var containers = (current["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().ToArray();
                var container = containers.FirstOrDefault(c => c["name"]?.GetValue<string>() == image.ContainerName);
                before = container?["image"]?.GetValue<string>();
                // The strategic merge patch would add a container of that name instead of failing: refuse first.
                return container is null
                    ? $"it has no container '{image.ContainerName}' (containers: {string.Join(", ", containers.Select(c => c["name"]?.GetValue<string>()))})"
                    : null;
            },
            (current, dryRun) => objects.PatchAsync(run.Type, run.Namespace, run.Name,
                Patch(ExecutorRequests.ImagePatch(image.ContainerName, image.Reference), V1Patch.PatchType.StrategicMergePatch, current), dryRun, run.CancellationToken),
            _ => VerifyRolloutAsync(run, $"{run.Target}: container {image.ContainerName} image {before} -> {image.Reference}"),
            live => (live?["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>()
                .Any(c => c["name"]?.GetValue<string>() == image.ContainerName && c["image"]?.GetValue<string>() == image.Reference));
    }

    private Task<Outcome> UpdateConfigAsync(Run run)
    {
        var config = run.Parameters<UpdateConfigParameters>();
        return ChangeAsync(run,
            _ => OnlyFor(run, ResourceType.ConfigMap, ResourceType.Secret),
            (current, dryRun) => objects.PatchAsync(run.Type, run.Namespace, run.Name,
                Patch(ExecutorRequests.ConfigPatch(run.Type, config.Key, config.Value), V1Patch.PatchType.MergePatch, current), dryRun, run.CancellationToken),
            async before =>
            {
                var after = await objects.ReadAsync(run.Type, run.Namespace, run.Name, run.CancellationToken);
                var existed = before["data"]?[config.Key] is not null;
                // Never the value itself: for a Secret it must not reach results, logs or the audit log.
                return HoldsValue(run.Type, after, config)
                    ? Outcome.Ok($"{run.Target}: key '{config.Key}' {(existed ? "updated" : "added")}")
                    : Outcome.Failed($"{run.Target}: key '{config.Key}' does not hold the new value after the change");
            },
            live => HoldsValue(run.Type, live, config));
    }

    private static bool HoldsValue(ResourceType type, JsonObject? live, UpdateConfigParameters config)
    {
        var stored = live?["data"]?[config.Key]?.GetValue<string>();
        var expected = type == ResourceType.Secret ? Convert.ToBase64String(Encoding.UTF8.GetBytes(config.Value)) : config.Value;
        // A server that keeps stringData as written (the sandbox does) rather than folding it into data.
        var keptAsWritten = type == ResourceType.Secret && live?["stringData"]?[config.Key]?.GetValue<string>() == config.Value;
        return stored == expected || keptAsWritten;
    }

    private Task<Outcome> DeleteAsync(Run run) =>
        ChangeAsync(run,
            _ => null,
            (current, dryRun) => objects.DeleteAsync(run.Type, run.Namespace, run.Name, current.ResourceVersion(), dryRun, run.CancellationToken),
            async _ =>
            {
                var gone = await verifier.VerifyDeletedAsync(objects, run.Type, run.Namespace, run.Name, settings.Verification, run.CancellationToken);
                return gone.Success
                    ? Outcome.Ok($"{run.Target} deleted; snapshot {run.SnapshotId} can create it again")
                    : Outcome.Failed(gone.Summary, gone.Evidence);
            },
            live => live is null || live["metadata"]?["deletionTimestamp"] is not null);

    // ---- nodes ------------------------------------------------------------------------------------------

    private Task<Outcome> CordonAsync(Run run, bool unschedulable) =>
        ChangeAsync(run,
            _ => OnlyFor(run, ResourceType.Node),
            (current, dryRun) => objects.PatchAsync(ResourceType.Node, null, run.Name,
                Patch(ExecutorRequests.CordonPatch(unschedulable), V1Patch.PatchType.StrategicMergePatch, current), dryRun, run.CancellationToken),
            async _ =>
            {
                var node = await objects.ReadAsync(ResourceType.Node, null, run.Name, run.CancellationToken);
                var now = node?["spec"]?["unschedulable"]?.GetValue<bool>() ?? false;
                return now == unschedulable
                    ? Outcome.Ok($"{run.Target} {(unschedulable ? "cordoned: no new pods are scheduled on it" : "uncordoned: pods may be scheduled on it again")}")
                    : Outcome.Failed($"{run.Target} is {(now ? "still unschedulable" : "still schedulable")} after the change");
            },
            live => live is not null && (live["spec"]?["unschedulable"]?.GetValue<bool>() ?? false) == unschedulable);
}

/// <summary>One operation being executed.</summary>
internal sealed class Run(ExecuteOperation command, CancellationToken cancellationToken)
{
    public ExecuteOperation Command { get; } = command;

    public KubernetesOperation Operation => Command.Operation;

    public ResourceType Type => Operation.ResourceType;

    public string? Namespace => Operation.Namespace;

    public string Name => Operation.ResourceName;

    public string Target => Operation?.Target ?? "(no operation)";

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>When the first attempt started (a resumed attempt keeps it).</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>The record of an earlier attempt that started changing the cluster and never finished.</summary>
    public ExecutionRecord? Interrupted { get; init; }

    public string? SnapshotId { get; set; }

    public T Parameters<T>() where T : OperationParameters =>
        Operation.Parameters as T ?? throw new UnusableRequestException($"{WireNames.Of(Operation.OperationType)} needs {typeof(T).Name} parameters");
}

internal sealed record Outcome(bool Success, string? Result, string? Error, IReadOnlyList<string> Evidence)
{
    public static Outcome Ok(string result) => new(true, result, null, []);

    public static Outcome Failed(string error, IReadOnlyList<string>? evidence = null) => new(false, null, error, evidence ?? []);
}

/// <summary>A request whose content cannot be carried out as given (bad manifest, missing parameters).</summary>
internal sealed class UnusableRequestException(string message) : Exception(message);
