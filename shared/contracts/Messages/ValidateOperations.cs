using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Contracts;

/// <summary>
/// Command, sent by the saga to the policy service once a request's intent is parsed: validate every operation.
/// The answer is one <see cref="OperationValidated"/> per operation.
/// </summary>
public sealed record ValidateOperations
{
    public required Guid RequestId { get; init; }
    public required KubernetesIntent Intent { get; init; }
}
