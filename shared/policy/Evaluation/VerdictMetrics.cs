using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Policy.Rules;

namespace K8sAgentPlatform.Policy.Evaluation;

internal static class VerdictMetrics
{
    /// <summary>One blocked count per rule that rejected an operation: a dashboard shows which rules bite.</summary>
    public static void RecordBlocked(this PlatformMetrics metrics, IntentVerdict verdict, KubernetesIntent intent)
    {
        foreach (var operation in verdict.Operations.Where(o => !o.Approved))
        {
            var type = intent.Operations is { } ops && operation.Index < ops.Count ? ops[operation.Index]?.OperationType : null;
            foreach (var rule in operation.Reasons.Select(RuleIds.Of).Distinct())
            {
                metrics.OperationBlocked(type, rule);
            }
        }
    }

    /// <summary>The intent's risk is its riskiest operation's, as policy assessed it (the model's estimate only raises it).</summary>
    public static void RecordRisk(this PlatformMetrics metrics, IntentVerdict verdict)
    {
        if (verdict.Operations.Count > 0)
        {
            metrics.RiskAssessed(verdict.Operations.Max(o => o.PolicyRiskLevel));
        }
    }
}
