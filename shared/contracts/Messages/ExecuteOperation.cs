using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Contracts;

/// <summary>Command: apply one approved operation (one at a time, in order).</summary>
public sealed record ExecuteOperation
{
    public required Guid RequestId { get; init; }
    public required int Index { get; init; }
    public required KubernetesOperation Operation { get; init; }
    /// <summary>The resourceVersion approval was bound to; the executor refuses to apply over a newer one.</summary>
    public string? ExpectedResourceVersion { get; init; }
    public bool DryRun { get; init; }
    /// <summary>The saga's signed permission for exactly this operation; the executor refuses to act without a valid one.</summary>
    public OperationAuthorization? Authorization { get; init; }
}
