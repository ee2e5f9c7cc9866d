using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Executor.Execution;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Persistence;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Executor.Consumers;

/// <summary>
/// ExecuteOperation -> OperationExecuted. Idempotent across restarts: the execution record says whether this
/// operation finished (its recorded outcome is published again, the cluster is not touched), started and was
/// interrupted (the executor resumes it without applying twice), or never started.
/// </summary>
public sealed class ExecuteOperationConsumer(
    OperationExecutor executor,
    IExecutionRecordStore records,
    ExecutionGate gate,
    PlatformMetrics metrics,
    ILogger<ExecuteOperationConsumer> logger) : IConsumer<ExecuteOperation>
{
    public async Task Consume(ConsumeContext<ExecuteOperation> context)
    {
        var command = context.Message;
        var ct = context.CancellationToken;
        using var _ = await gate.EnterAsync(command.RequestId, command.Index, ct);
        if (command.DryRun)
        {
            await context.Publish(await executor.ExecuteAsync(command, ct), ct);
            return;
        }

        var record = await records.FindAsync(command.RequestId, command.Index, ct);
        if (record?.Outcome is { } done)
        {
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
}
