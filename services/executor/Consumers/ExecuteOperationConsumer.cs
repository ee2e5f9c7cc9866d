using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Executor.Execution;
using K8sAgentPlatform.Hosting;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Executor.Consumers;

/// <summary>
/// ExecuteOperation -> OperationExecuted. Idempotent: a redelivered command for an operation already executed
/// republishes the recorded outcome instead of applying the change a second time.
/// </summary>
public sealed class ExecuteOperationConsumer(
    OperationExecutor executor,
    IExecutionRecords records,
    ExecutionGate gate,
    PlatformMetrics metrics,
    ILogger<ExecuteOperationConsumer> logger) : IConsumer<ExecuteOperation>
{
    public async Task Consume(ConsumeContext<ExecuteOperation> context)
    {
        var command = context.Message;
        using var _ = await gate.EnterAsync(command.RequestId, command.Index, context.CancellationToken);
        if (!command.DryRun && await records.FindAsync(command.RequestId, command.Index, context.CancellationToken) is { } done)
        {
            logger.LogInformation("Operation {Index} of request {RequestId} was executed already; republishing its outcome", command.Index, command.RequestId);
            await context.Publish(done, context.CancellationToken);
            return;
        }

        var outcome = await executor.ExecuteAsync(command, context.CancellationToken);
        if (!command.DryRun)
        {
            await records.SaveAsync(outcome, context.CancellationToken);
            // Counted once per operation: a redelivery republishes above without counting, and a dry run changes nothing.
            if (command.Operation is { } operation)
            {
                metrics.OperationExecuted(operation.OperationType, operation.ResourceType, operation.Namespace, outcome.Success);
            }
        }

        await context.Publish(outcome, context.CancellationToken);
    }
}
