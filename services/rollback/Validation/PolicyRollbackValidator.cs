using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Policy.Evaluation;

namespace K8sAgentPlatform.Rollback.Validation;

/// <summary>
/// Runs the policy service's static rules on the restore, expressed as the operation it is: a rollback to the
/// snapshot (an uncordon for a node). Protected and non-allowed namespaces, names and the other static rules
/// refuse it exactly as they would refuse a forward change. Live checks are left out on purpose: "the object
/// must exist" would refuse re-creating a deleted one. A confirmation requirement does not block: the
/// compensation of an approved change must not wait for a human.
/// </summary>
public sealed class PolicyRollbackValidator(PolicyEvaluator evaluator) : IRollbackValidator
{
    public Task<RollbackVerdict> ValidateAsync(RollbackRequested request, SnapshotDocument snapshot, CancellationToken cancellationToken)
    {
        var type = ResourceKinds.Of(snapshot.ApiVersion, snapshot.Kind)
            ?? (snapshot.Kind == ManifestSnapshot.Kind ? snapshot.Operation.ResourceType : (ResourceType?)null);
        if (type is not { } resourceType)
        {
            return Task.FromResult(new RollbackVerdict(false, [$"snapshot {snapshot.Id} holds a {snapshot.Kind}, which the platform cannot restore"]));
        }

        var isNode = resourceType == ResourceType.Node;
        var reason = Clip($"restore snapshot {snapshot.Id}: {request.Reason}", Bounds.MinReason, Bounds.MaxReason);
        var operation = new KubernetesOperation
        {
            OperationType = isNode ? OperationType.UncordonNode : OperationType.Rollback,
            ResourceType = resourceType,
            ResourceName = snapshot.Name,
            Namespace = isNode ? null : snapshot.Namespace,
            Parameters = isNode ? null : new RollbackParameters { SnapshotId = snapshot.Id },
            Reason = reason,
            RequiresConfirmation = false,
        };
        var intent = new KubernetesIntent
        {
            OriginalRequest = reason,
            Operations = [operation],
            EstimatedRiskLevel = isNode ? RiskLevel.High : RiskLevel.Low,
            Summary = reason,
        };
        var verdict = evaluator.EvaluateStatic(intent).Operations[0];
        return Task.FromResult(new RollbackVerdict(verdict.Approved, verdict.Reasons));
    }

    private static string Clip(string text, int min, int max) =>
        text.Length > max ? text[..max] : text.PadRight(min, '.');
}
