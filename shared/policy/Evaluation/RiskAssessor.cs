using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Rules;

namespace K8sAgentPlatform.Policy.Evaluation;

/// <summary>
/// Policy's own risk level for an operation, from its type and the namespace class, following the
/// brief's scale: low = read-only or routine outside production, medium = routine changes in production
/// or config changes elsewhere, high = production image/config changes, deletes and every manifest (a manifest can
/// carry any object, so it is never routine), critical = production deletes and node operations.
/// </summary>
public static class RiskAssessor
{
    public static RiskLevel Baseline(OperationContext context)
    {
        var production = context.IsProduction;
        return context.Operation.OperationType switch
        {
            OperationType.GetStatus or OperationType.GetLogs => RiskLevel.Low,
            OperationType.Scale or OperationType.Restart => production ? RiskLevel.Medium : RiskLevel.Low,
            OperationType.UpdateConfig or OperationType.UpdateImage or OperationType.Rollback
                => production ? RiskLevel.High : RiskLevel.Medium,
            OperationType.ApplyManifest => RiskLevel.High,
            OperationType.Delete => production ? RiskLevel.Critical : RiskLevel.High,
            OperationType.CordonNode or OperationType.UncordonNode or OperationType.DrainNode => RiskLevel.Critical,
            _ => RiskLevel.Critical,
        };
    }

    public static RiskLevel Max(RiskLevel a, RiskLevel b) => a > b ? a : b;
}
