using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Security;
using K8sAgentPlatform.Rollback.Validation;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Rollback.Consumers;

/// <summary>
/// RollbackRequested -> RollbackCompleted | RollbackFailed. Acts only on the saga's signed authorization for exactly
/// this restore. Finds the snapshot (by id, or the resource's latest
/// unconsumed one), has policy re-validate the restore, restores and verifies it, then marks it consumed: a
/// consumed snapshot is never restored twice (the answer says AlreadyRestored).
/// </summary>
public sealed class RollbackRequestedConsumer(
    ISnapshotStore snapshots,
    SnapshotRestorer restorer,
    IRollbackValidator validator,
    AuthorizationVerifier authorizations,
    IAuditLog audit,
    IOptions<RollbackOptions> options,
    TimeProvider time,
    PlatformMetrics metrics,
    ILogger<RollbackRequestedConsumer> logger) : IConsumer<RollbackRequested>
{
    public async Task Consume(ConsumeContext<RollbackRequested> context)
    {
        var request = context.Message;
        using var activity = PlatformTelemetry.Source.StartActivity("rollback restore");
        activity?.SetTag("k8s_agent.trigger", Trigger(request));
        var ct = context.CancellationToken;
        var target = new AuthorizationTarget(request.RequestId, request.OperationIndex ?? -1, AuthorizationSubjects.Rollback,
            AuthorizationCanonical.RestoreHash(request), null);
        if (authorizations.Check(request.Authorization, target) is { } refusal)
        {
            // Only the saga orders a restore; anything else on this queue changes nothing.
            metrics.OperationRefused("rollback", refusal.Code);
            await audit.AppendAsync(new AuditRecord("rollback-refused", "rollback", request.RequestId, refusal.ToString(), "refused"), ct);
            await FailAsync(context, request.SnapshotId, $"refused by the rollback service: {refusal}; nothing was changed");
            return;
        }

        var snapshot = await FindAsync(request, ct);
        if (snapshot is null)
        {
            await FailAsync(context, null, request.SnapshotId is { } id
                ? $"snapshot {id} does not exist"
                : request.Resource is { } r
                    ? $"{r.ResourceType} {r.Name}{(r.Namespace is null ? "" : $" in {r.Namespace}")} has no snapshot left to restore"
                    : "the request names neither a snapshot nor a resource");
            return;
        }

        if (snapshot.Consumed)
        {
            await AlreadyAsync(context, snapshot);
            return;
        }

        var verdict = await validator.ValidateAsync(request, snapshot, ct);
        if (!verdict.Approved)
        {
            await FailAsync(context, snapshot.Id, $"policy refused restoring snapshot {snapshot.Id}: {string.Join("; ", verdict.Reasons)}");
            return;
        }

        logger.LogInformation("Request {RequestId}: restoring snapshot {SnapshotId} of {Kind} {Name} for {Principal}", request.RequestId, snapshot.Id, snapshot.Kind, snapshot.Name, request.Principal);
        activity?.SetTag("k8s_agent.snapshot_id", snapshot.Id);
        var outcome = await restorer.RestoreAsync(snapshot, options.Value.Verification, ct);
        if (!outcome.Success)
        {
            var evidence = outcome.Evidence.Count == 0 ? "" : $" (evidence: {string.Join("; ", outcome.Evidence)})";
            await FailAsync(context, snapshot.Id, $"restoring snapshot {snapshot.Id} failed: {outcome.Message}{evidence}");
            return;
        }

        if (!await snapshots.MarkConsumedAsync(snapshot.Id, time.GetUtcNow(), ct))
        {
            // Another delivery restored it at the same time; the state is the same either way.
            await AlreadyAsync(context, snapshot);
            return;
        }

        metrics.RollbackFinished(IsAutomatic(request), success: true);
        activity?.SetTag("k8s_agent.success", true);
        await context.Publish(new RollbackCompleted
        {
            RequestId = request.RequestId,
            SnapshotId = snapshot.Id,
            OperationIndex = request.OperationIndex ?? snapshot.OperationIndex,
            Message = outcome.Message,
        }, ct);
    }

    // Only the saga names the operation it compensates; a rollback asked through the API names none.
    private static bool IsAutomatic(RollbackRequested request) => request.OperationIndex is not null;

    private static string Trigger(RollbackRequested request) => IsAutomatic(request) ? "automatic" : "manual";

    private async Task<SnapshotDocument?> FindAsync(RollbackRequested request, CancellationToken ct)
    {
        if (request.SnapshotId is { } id)
        {
            return await snapshots.GetAsync(id, ct);
        }

        if (request.Resource is { } resource)
        {
            var (kind, _) = Kinds.Of(resource);
            return await snapshots.LatestUnconsumedAsync(kind, resource.Namespace, resource.Name, ct);
        }

        return null;
    }

    private Task AlreadyAsync(ConsumeContext<RollbackRequested> context, SnapshotDocument snapshot) =>
        context.Publish(new RollbackCompleted
        {
            RequestId = context.Message.RequestId,
            SnapshotId = snapshot.Id,
            OperationIndex = context.Message.OperationIndex ?? snapshot.OperationIndex,
            AlreadyRestored = true,
            Message = $"snapshot {snapshot.Id} was restored already{(snapshot.RestoredAt is { } at ? $" at {at:u}" : "")}; nothing was changed",
        }, context.CancellationToken);

    private async Task FailAsync(ConsumeContext<RollbackRequested> context, string? snapshotId, string error)
    {
        logger.LogWarning("Request {RequestId}: rollback failed: {Error}", context.Message.RequestId, error);
        metrics.RollbackFinished(IsAutomatic(context.Message), success: false);
        System.Diagnostics.Activity.Current?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "rollback failed");
        await context.Publish(new RollbackFailed
        {
            RequestId = context.Message.RequestId,
            SnapshotId = snapshotId,
            OperationIndex = context.Message.OperationIndex,
            Error = error,
        }, context.CancellationToken);
    }
}
