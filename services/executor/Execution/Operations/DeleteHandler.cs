using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Executor.Execution.Operations;

/// <summary>delete: with the resourceVersion as precondition, verified gone; the snapshot can create it again.</summary>
internal sealed class DeleteHandler(ChangeRunner runner, KubernetesObjects objects, RolloutVerifier verifier, IOptions<ExecutorOptions> options) : IOperationHandler
{
    private readonly ExecutorOptions settings = options.Value;

    public OperationType Type => OperationType.Delete;

    public Task<Outcome> ExecuteAsync(Run run) =>
        runner.ChangeAsync(run,
            _ => null,
            (current, dryRun) => objects.DeleteAsync(run.Type, run.Namespace, run.Name, current.ResourceVersion(), dryRun, run.CancellationToken),
            async _ =>
            {
                var gone = await verifier.VerifyDeletedAsync(objects, run.Type, run.Namespace, run.Name, settings.Verification, run.CancellationToken);
                return gone.Success
                    ? Outcome.Ok($"{run.Target} deleted; snapshot {run.SnapshotId} can create it again")
                    : Outcome.Failed(gone.Summary, gone.Evidence);
            },
            live => live is null || live["metadata"]?["deletionTimestamp"] is not null);
}
