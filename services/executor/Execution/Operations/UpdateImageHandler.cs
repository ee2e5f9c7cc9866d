using System.Text.Json.Nodes;
using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;

namespace K8sAgentPlatform.Executor.Execution.Operations;

/// <summary>update_image: the image of one named container of a workload; then the rollout.</summary>
internal sealed class UpdateImageHandler(ChangeRunner runner, KubernetesObjects objects) : IOperationHandler
{
    public OperationType Type => OperationType.UpdateImage;

    public Task<Outcome> ExecuteAsync(Run run)
    {
        var image = run.Parameters<UpdateImageParameters>();
        string? before = null;
        return runner.ChangeAsync(run,
            current =>
            {
                if (run.OnlyFor(ResourceType.Deployment, ResourceType.StatefulSet, ResourceType.DaemonSet) is { } wrongType)
                {
                    return wrongType;
                }

                var containers = (current["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().ToArray();
                var container = containers.FirstOrDefault(c => c["name"]?.GetValue<string>() == image.ContainerName);
                before = container?["image"]?.GetValue<string>();
                // The strategic merge patch would add a container of that name instead of failing: refuse first.
                return container is null
                    ? $"it has no container '{image.ContainerName}' (containers: {string.Join(", ", containers.Select(c => c["name"]?.GetValue<string>()))})"
                    : null;
            },
            (current, dryRun) => objects.PatchAsync(run.Type, run.Namespace, run.Name,
                ChangeRunner.Patch(ExecutorRequests.ImagePatch(image.ContainerName, image.Reference), V1Patch.PatchType.StrategicMergePatch, current), dryRun, run.CancellationToken),
            _ => runner.VerifyRolloutAsync(run, $"{run.Target}: container {image.ContainerName} image {before} -> {image.Reference}"),
            live => (live?["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>()
                .Any(c => c["name"]?.GetValue<string>() == image.ContainerName && c["image"]?.GetValue<string>() == image.Reference));
    }
}
