using k8s;
using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;

namespace K8sAgentPlatform.Executor.Execution.Operations;

/// <summary>scale: the replicas of a deployment, statefulset or replicaset, through its scale subresource; then the rollout.</summary>
internal sealed class ScaleHandler(ChangeRunner runner, KubernetesObjects objects) : IOperationHandler
{
    public OperationType Type => OperationType.Scale;

    public Task<Outcome> ExecuteAsync(Run run)
    {
        var replicas = run.Parameters<ScaleParameters>().Replicas;
        int? before = null;
        return runner.ChangeAsync(run,
            current =>
            {
                before = current["spec"]?["replicas"]?.GetValue<int>() ?? 1;
                return run.OnlyFor(ResourceType.Deployment, ResourceType.StatefulSet, ResourceType.ReplicaSet);
            },
            async (current, dryRun) =>
            {
                var patch = ChangeRunner.Patch(ExecutorRequests.ScalePatch(replicas), V1Patch.PatchType.MergePatch, current);
                var dry = dryRun ? ChangeRunner.DryRunAll : null;
                var ns = run.Namespace!;
                var client = objects.Client;
                _ = run.Type switch
                {
                    ResourceType.Deployment => await client.AppsV1.PatchNamespacedDeploymentScaleAsync(body: patch, name: run.Name, namespaceParameter: ns, dryRun: dry, fieldManager: KubernetesObjects.FieldManager, cancellationToken: run.CancellationToken),
                    ResourceType.StatefulSet => await client.AppsV1.PatchNamespacedStatefulSetScaleAsync(body: patch, name: run.Name, namespaceParameter: ns, dryRun: dry, fieldManager: KubernetesObjects.FieldManager, cancellationToken: run.CancellationToken),
                    _ => await client.AppsV1.PatchNamespacedReplicaSetScaleAsync(body: patch, name: run.Name, namespaceParameter: ns, dryRun: dry, fieldManager: KubernetesObjects.FieldManager, cancellationToken: run.CancellationToken),
                };
            },
            _ => runner.VerifyRolloutAsync(run, $"{run.Target} scaled from {before} to {replicas} replicas"),
            live => live?["spec"]?["replicas"]?.GetValue<int>() == replicas);
    }
}
