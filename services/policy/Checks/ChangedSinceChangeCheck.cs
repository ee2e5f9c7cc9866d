using System.Text.Json.Nodes;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Policy.Kubernetes;
using K8sAgentPlatform.Policy.Rules;

namespace K8sAgentPlatform.Policy.Checks;

/// <summary>
/// Before a restore to a snapshot: the live object is compared with the state the change left (recorded on the
/// snapshot by the executor). If someone changed it since, the restore would overwrite their change, so it needs a
/// confirmation that names what would be overwritten (paths only for a Secret). Runs at validation and again right
/// before execution, so a change made while the request waited starts a new confirmation round.
/// </summary>
public sealed class ChangedSinceChangeCheck(ISnapshotStore snapshots, KubernetesObjects objects) : ILiveOperationCheck
{
    public async Task CheckAsync(OperationContext context, OperationFindings findings, CancellationToken cancellationToken)
    {
        var op = context.Operation;
        if (op is not { OperationType: OperationType.Rollback, Parameters: RollbackParameters { SnapshotId: { } snapshotId } })
        {
            return;
        }

        var snapshot = await snapshots.GetAsync(snapshotId, cancellationToken);
        if (snapshot is null)
        {
            findings.Reject(RuleIds.ChangedSinceSnapshot, $"snapshot {snapshotId} does not exist");
            return;
        }

        if (snapshot.Consumed)
        {
            return; // the executor restores nothing and says so
        }

        var ns = op.ResourceType.IsClusterScoped() ? null : op.Namespace;
        var live = await objects.ReadAsync(op.ResourceType, ns, op.ResourceName, cancellationToken);
        var since = $"since request {snapshot.RequestId} changed it ({snapshot.CapturedAt:u})";
        if (snapshot.AfterJson is not { } afterJson)
        {
            findings.RequireConfirmation(RuleIds.ChangedSinceSnapshot,
                $"the state that change left was not recorded, so whether {op.Target} changed {since} is unknown; restoring snapshot {snapshotId} overwrites whatever it holds now");
            return;
        }

        if (live is null)
        {
            findings.RequireConfirmation(RuleIds.ChangedSinceSnapshot, $"{op.Target} was deleted {since}; restoring snapshot {snapshotId} creates it again");
            return;
        }

        var after = JsonNode.Parse(afterJson)!.AsObject();
        if (ManagedState.Same(after, live))
        {
            return;
        }

        var overwritten = ManagedState.Differences(after, live, maskValues: string.Equals(snapshot.Kind, "Secret", StringComparison.Ordinal));
        findings.RequireConfirmation(RuleIds.ChangedSinceSnapshot,
            $"{op.Target} was changed by someone else {since}; restoring snapshot {snapshotId} overwrites: {string.Join("; ", overwritten)}");
    }
}
