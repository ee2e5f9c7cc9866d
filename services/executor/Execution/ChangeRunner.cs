using System.Net;
using System.Text.Json.Nodes;
using k8s.Autorest;
using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Persistence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Executor.Execution;

/// <summary>
/// The change protocol every changing operation runs through: read the object, check the approved
/// resourceVersion, store its snapshot and the execution record, apply with the resourceVersion as
/// precondition (re-checking on 409), then verify; and resume an attempt the executor was stopped in.
/// </summary>
internal sealed class ChangeRunner(
    KubernetesObjects objects,
    RolloutVerifier verifier,
    ISnapshotStore snapshots,
    IExecutionRecordStore records,
    IOptions<ExecutorOptions> options,
    TimeProvider time,
    ILogger<ChangeRunner> logger)
{
    /// <summary>The dryRun value the Kubernetes API takes.</summary>
    public const string DryRunAll = "All";

    private readonly ExecutorOptions settings = options.Value;

    // refusal: why the change cannot apply to the object as read, or null. apply: sends the change with the
    // object's resourceVersion as precondition (a dry run when asked). verify: checks that it took effect.
    // applied: whether the live object (null when gone) is already in the state the change produces.
    public Task<Outcome> ChangeAsync(Run run, Func<JsonObject, string?> refusal, Func<JsonObject, bool, Task> apply, Func<JsonObject, Task<Outcome>> verify, Func<JsonObject?, bool> applied) =>
        ChangeCheckedAsync(run, current => Task.FromResult(refusal(current)), apply, verify, applied);

    public async Task<Outcome> ChangeCheckedAsync(Run run, Func<JsonObject, Task<string?>> refusal, Func<JsonObject, bool, Task> apply, Func<JsonObject, Task<Outcome>> verify, Func<JsonObject?, bool> applied)
    {
        var ct = run.CancellationToken;
        var current = await objects.ReadAsync(run.Type, run.Namespace, run.Name, ct);
        if (run.Interrupted is { } interrupted)
        {
            switch (await ResumeAsync(run, interrupted, current, applied))
            {
                case (Resumption.Verify, var before, _):
                    await refusal(before);
                    return await RecordAfterAsync(run, await verify(before));
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

        Outcome verified;
        using (var verifying = PlatformTelemetry.Source.StartActivity("executor verify"))
        {
            verified = await verify(current);
            verifying?.SetTag("k8s_agent.success", verified.Success);
        }

        return await RecordAfterAsync(run, verified);
    }

    /// <summary>
    /// After a change that took effect, records on its snapshot the managed state it left, so a later restore can
    /// tell whether someone changed the object since. The change stands whatever happens here: a failure to record
    /// is logged, and a restore then says it could not compare.
    /// </summary>
    public async Task<Outcome> RecordAfterAsync(Run run, Outcome outcome)
    {
        if (!outcome.Success || run.SnapshotId is not { } snapshotId || run.Command.DryRun)
        {
            return outcome;
        }

        try
        {
            if (await objects.ReadAsync(run.Type, run.Namespace, run.Name, run.CancellationToken) is { } after)
            {
                await snapshots.RecordAfterAsync(snapshotId, ManagedState.Of(after).ToJsonString(), run.CancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Request {RequestId}: could not record the state {Target} was left in on snapshot {SnapshotId}", run.Command.RequestId, run.Target, snapshotId);
        }

        return outcome;
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
    public async Task RecordStartAsync(Run run)
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
    public async Task<SnapshotDocument> SaveSnapshotAsync(Run run, JsonObject? current, bool existed)
    {
        var (kind, apiVersion) = Kinds.Of(run.Type);
        var saved = await snapshots.SaveAsync(new SnapshotDocument
        {
            Id = OperationExecutor.SnapshotId(run.Command.RequestId, run.Command.Index),
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

    public async Task<Outcome> VerifyRolloutAsync(Run run, string done)
    {
        // How the rollout stands goes to the execution record as it moves, for whoever follows the request.
        var verification = await verifier.VerifyAsync(run.Type, run.Namespace!, run.Name, settings.Verification, run.CancellationToken,
            progress => run.Command.DryRun ? Task.CompletedTask : records.ReportProgressAsync(run.Command.RequestId, run.Command.Index, progress, run.CancellationToken));
        return verification.Success
            ? Outcome.Ok($"{done}; rollout complete: {verification.Summary}")
            : Outcome.Failed($"{done}, but {verification.Summary}", verification.Evidence);
    }

    /// <summary>A patch that carries the object's resourceVersion as its precondition.</summary>
    public static V1Patch Patch(string body, V1Patch.PatchType type, JsonObject current) =>
        new(ExecutorRequests.WithResourceVersion(body, current.ResourceVersion() ?? ""), type);
}
