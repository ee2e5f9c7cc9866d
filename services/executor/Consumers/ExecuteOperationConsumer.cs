using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Executor.Execution;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Security;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Executor.Consumers;

/// <summary>
/// ExecuteOperation -> OperationExecuted. The executor is the last line: it acts only on the saga's signed
/// authorization for exactly this operation, and re-runs policy's static rules itself, before it touches the cluster.
/// Idempotent across restarts: the execution record says whether this operation finished (its recorded outcome is
/// published again, the cluster is not touched), started and was interrupted (the executor resumes it without
/// applying twice), or never started.
/// </summary>
public sealed class ExecuteOperationConsumer(
    OperationExecutor executor,
    IExecutionRecordStore records,
    ExecutionGate gate,
    AuthorizationVerifier authorizations,
    PolicyEvaluator policy,
    IAuditLog audit,
    PlatformMetrics metrics,
    TimeProvider time,
    ILogger<ExecuteOperationConsumer> logger) : IConsumer<ExecuteOperation>
{
    public async Task Consume(ConsumeContext<ExecuteOperation> context)
    {
        var command = context.Message;
        var ct = context.CancellationToken;
        using var _ = await gate.EnterAsync(command.RequestId, command.Index, ct);
        if (Refusal(command) is { } refusal)
        {
            await RefuseAsync(context, refusal);
            return;
        }

        if (command.DryRun)
        {
            await context.Publish(await executor.ExecuteAsync(command, ct), ct);
            return;
        }

        var record = await records.FindAsync(command.RequestId, command.Index, ct);
        if (record?.Outcome is { } done)
        {
            if (!context.ReceiveContext.Redelivered)
            {
                // Not the broker delivering again after a crash: the same authorization sent once more. It changes
                // nothing either way; saying so is what makes a replay visible.
                await RecordRefusalAsync(command, new AuthorizationRefusal("replayed", $"operation {command.Index} of request {command.RequestId} was executed already"), ct);
            }

            logger.LogInformation("Operation {Index} of request {RequestId} was executed already; republishing its outcome", command.Index, command.RequestId);
            await context.Publish(done, ct);
            return;
        }

        if (record is not null)
        {
            logger.LogWarning("Operation {Index} of request {RequestId} started at {StartedAt} and was interrupted; resuming it", command.Index, command.RequestId, record.StartedAt);
        }

        var outcome = await executor.ExecuteAsync(command, record, ct);
        var finished = await records.FinishAsync(outcome, ct);
        // Counted once per operation: a redelivery republishes above without counting, and a dry run changes nothing.
        if (command.Operation is { } operation)
        {
            metrics.OperationExecuted(operation.OperationType, operation.ResourceType, operation.Namespace, (finished.Outcome ?? outcome).Success);
        }

        await context.Publish(finished.Outcome ?? outcome, ct);
    }

    /// <summary>Why this command must not run, or null: its authorization, then policy's static rules.</summary>
    private AuthorizationRefusal? Refusal(ExecuteOperation command)
    {
        if (command.Operation is not { } operation)
        {
            return new("mismatch", "the command carries no operation");
        }

        var target = new AuthorizationTarget(command.RequestId, command.Index, AuthorizationSubjects.Execute,
            AuthorizationCanonical.OperationHash(operation), command.ExpectedResourceVersion);
        if (authorizations.Check(command.Authorization, target) is { } refused)
        {
            return refused;
        }

        // The same static rules policy decided with (protected namespaces, bounds, kinds, images...), from the same
        // code: a signed command that breaks one is still refused. The model's risk estimate only gates node
        // operations' approval there, and the operation was approved already, so it is taken as the highest.
        var single = new KubernetesIntent
        {
            OriginalRequest = $"executor check of operation {command.Index}",
            Operations = [operation],
            EstimatedRiskLevel = RiskLevel.Critical,
            Summary = $"Executor check of operation {command.Index} before it runs",
        };
        var verdict = policy.EvaluateStatic(single).Operations[0];
        return verdict.Approved ? null : new("static_policy", string.Join("; ", verdict.Reasons));
    }

    private async Task RefuseAsync(ConsumeContext<ExecuteOperation> context, AuthorizationRefusal refusal)
    {
        var command = context.Message;
        await RecordRefusalAsync(command, refusal, context.CancellationToken);
        var now = time.GetUtcNow();
        // The request fails with the reason (the saga ignores an answer for a request or operation it is not running).
        await context.Publish(new OperationExecuted
        {
            RequestId = command.RequestId,
            Index = command.Index,
            Success = false,
            Error = $"refused by the executor: {refusal}; nothing was changed",
            StartedAt = now,
            FinishedAt = now,
        }, context.CancellationToken);
    }

    private async Task RecordRefusalAsync(ExecuteOperation command, AuthorizationRefusal refusal, CancellationToken ct)
    {
        logger.LogWarning("Refused operation {Index} of request {RequestId}: {Reason}", command.Index, command.RequestId, refusal.ToString());
        metrics.OperationRefused("executor", refusal.Code);
        await audit.AppendAsync(new AuditRecord("execution-refused", "executor", command.RequestId,
            $"operation {command.Index}: {refusal}", "refused"), ct);
    }
}
