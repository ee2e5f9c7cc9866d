using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;

namespace K8sAgentPlatform.Executor.Execution.Operations;

/// <summary>cordon_node: no new pods are scheduled on the node.</summary>
internal sealed class CordonNodeHandler(ChangeRunner runner, KubernetesObjects objects) : NodeSchedulingHandler(runner, objects, unschedulable: true)
{
    public override OperationType Type => OperationType.CordonNode;
}

/// <summary>uncordon_node: pods may be scheduled on the node again.</summary>
internal sealed class UncordonNodeHandler(ChangeRunner runner, KubernetesObjects objects) : NodeSchedulingHandler(runner, objects, unschedulable: false)
{
    public override OperationType Type => OperationType.UncordonNode;
}

/// <summary>Sets a node's spec.unschedulable, as kubectl cordon and uncordon do.</summary>
internal abstract class NodeSchedulingHandler(ChangeRunner runner, KubernetesObjects objects, bool unschedulable) : IOperationHandler
{
    public abstract OperationType Type { get; }

    public Task<Outcome> ExecuteAsync(Run run) =>
        runner.ChangeAsync(run,
            _ => run.OnlyFor(ResourceType.Node),
            (current, dryRun) => objects.PatchAsync(ResourceType.Node, null, run.Name,
                ChangeRunner.Patch(ExecutorRequests.CordonPatch(unschedulable), V1Patch.PatchType.StrategicMergePatch, current), dryRun, run.CancellationToken),
            async _ =>
            {
                var node = await objects.ReadAsync(ResourceType.Node, null, run.Name, run.CancellationToken);
                var now = node?["spec"]?["unschedulable"]?.GetValue<bool>() ?? false;
                return now == unschedulable
                    ? Outcome.Ok($"{run.Target} {(unschedulable ? "cordoned: no new pods are scheduled on it" : "uncordoned: pods may be scheduled on it again")}")
                    : Outcome.Failed($"{run.Target} is {(now ? "still unschedulable" : "still schedulable")} after the change");
            },
            live => live is not null && (live["spec"]?["unschedulable"]?.GetValue<bool>() ?? false) == unschedulable);
}
