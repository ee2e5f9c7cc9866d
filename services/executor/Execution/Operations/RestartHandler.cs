using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;

namespace K8sAgentPlatform.Executor.Execution.Operations;

/// <summary>restart: like kubectl rollout restart, a restartedAt annotation on the pod template; then the rollout.</summary>
internal sealed class RestartHandler(ChangeRunner runner, KubernetesObjects objects) : IOperationHandler
{
    public OperationType Type => OperationType.Restart;

    public Task<Outcome> ExecuteAsync(Run run) =>
        runner.ChangeAsync(run,
            _ => run.OnlyFor(ResourceType.Deployment, ResourceType.StatefulSet, ResourceType.DaemonSet),
            (current, dryRun) => objects.PatchAsync(run.Type, run.Namespace, run.Name,
                ChangeRunner.Patch(ExecutorRequests.RestartPatch(run.StartedAt), V1Patch.PatchType.StrategicMergePatch, current), dryRun, run.CancellationToken),
            _ => runner.VerifyRolloutAsync(run, $"{run.Target} restarted"),
            // The restart is stamped with the start of the first attempt, so a resumed one recognises its own.
            live => live?["spec"]?["template"]?["metadata"]?["annotations"]?[ExecutorRequests.RestartedAtAnnotation]?.GetValue<string>() == ExecutorRequests.RestartedAt(run.StartedAt));
}
