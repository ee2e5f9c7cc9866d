using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Contracts;

/// <summary>
/// Command: check one approved operation again right before it runs (policy and dry run against the live
/// object). The answer is an <see cref="OperationValidated"/> with <see cref="OperationValidated.PreExecution"/>
/// set; if the object's resourceVersion moved since approval the request goes back to confirmation.
/// </summary>
public sealed record RevalidateOperation
{
    public required Guid RequestId { get; init; }
    public required int Index { get; init; }
    public required int Count { get; init; }
    public required KubernetesOperation Operation { get; init; }
    public required RiskLevel ModelRiskLevel { get; init; }
}
