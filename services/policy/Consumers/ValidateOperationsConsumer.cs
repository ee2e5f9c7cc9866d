using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Rules;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Policy.Consumers;

/// <summary>
/// Validates every operation of a parsed intent (the saga's <see cref="ValidateOperations"/> command) and publishes
/// one <see cref="OperationValidated"/> per operation. Redelivery publishes the same verdicts again; the saga keys
/// them by request id and index.
/// </summary>
public sealed class ValidateOperationsConsumer(PolicyEvaluator evaluator, TimeProvider time, PlatformMetrics metrics, ILogger<ValidateOperationsConsumer> logger)
    : IConsumer<ValidateOperations>
{
    public async Task Consume(ConsumeContext<ValidateOperations> context)
    {
        var message = context.Message;
        var now = time.GetUtcNow();
        var intent = message.Intent;
        if (intent?.Operations is not { Count: > 0 })
        {
            metrics.OperationBlocked(null, RuleIds.IntentValid);
            // A publisher outside .NET can send an intent without operations; the saga still needs a
            // verdict to leave Validating, so it gets one rejection.
            await context.Publish(new OperationValidated
            {
                RequestId = message.RequestId,
                Index = 0,
                Count = 1,
                Approved = false,
                RequiresConfirmation = false,
                Reasons = [$"[{RuleIds.IntentValid}] the intent has no operations"],
                PolicyRiskLevel = RiskLevel.Critical,
                ModelRiskLevel = intent?.EstimatedRiskLevel ?? RiskLevel.Low,
                ValidatedAt = now,
            }, context.CancellationToken);
            return;
        }

        var verdict = await evaluator.EvaluateAsync(intent, context.CancellationToken);
        metrics.RecordBlocked(verdict, intent);
        metrics.RecordRisk(verdict);
        logger.LogInformation("Policy verdict for {RequestId}: {ApprovedCount} of {Count} operations approved, confirmation {RequiresConfirmation}",
            message.RequestId, verdict.Operations.Count(o => o.Approved), verdict.Operations.Count, verdict.RequiresConfirmation);
        foreach (var operation in verdict.Operations)
        {
            await context.Publish(operation.ToMessage(message.RequestId, verdict.Operations.Count, now), context.CancellationToken);
        }
    }
}
