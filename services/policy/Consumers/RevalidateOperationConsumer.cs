using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Policy.Evaluation;
using MassTransit;

namespace K8sAgentPlatform.Policy.Consumers;

/// <summary>
/// Checks one approved operation again right before it runs, against the live object: same rules, same dry
/// run, and the object's current resourceVersion, which the saga compares with the one approval bound to.
/// </summary>
public sealed class RevalidateOperationConsumer(PolicyEvaluator evaluator, TimeProvider time, PlatformMetrics metrics) : IConsumer<RevalidateOperation>
{
    public async Task Consume(ConsumeContext<RevalidateOperation> context)
    {
        var message = context.Message;
        // Intent-level rules were checked when the whole intent was approved; this intent exists only to
        // run the per-operation rules and live checks again.
        var single = new KubernetesIntent
        {
            OriginalRequest = $"re-validation of operation {message.Index}",
            Operations = [message.Operation],
            EstimatedRiskLevel = message.ModelRiskLevel,
            Summary = $"Re-validation of operation {message.Index} before it runs",
        };
        var verdicts = await evaluator.EvaluateAsync(single, context.CancellationToken);
        metrics.RecordBlocked(verdicts, single);
        var verdict = verdicts.Operations.Single() with { Index = message.Index };
        await context.Publish(verdict.ToMessage(message.RequestId, message.Count, time.GetUtcNow(), preExecution: true), context.CancellationToken);
    }
}
