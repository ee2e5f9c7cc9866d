using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;

namespace K8sAgentPlatform.Executor.Execution.Operations;

/// <summary>update_config: one key of a configmap or secret, added or replaced.</summary>
internal sealed class UpdateConfigHandler(ChangeRunner runner, KubernetesObjects objects) : IOperationHandler
{
    public OperationType Type => OperationType.UpdateConfig;

    public Task<Outcome> ExecuteAsync(Run run)
    {
        var config = run.Parameters<UpdateConfigParameters>();
        return runner.ChangeAsync(run,
            _ => run.OnlyFor(ResourceType.ConfigMap, ResourceType.Secret),
            (current, dryRun) => objects.PatchAsync(run.Type, run.Namespace, run.Name,
                ChangeRunner.Patch(ExecutorRequests.ConfigPatch(run.Type, config.Key, config.Value), V1Patch.PatchType.MergePatch, current), dryRun, run.CancellationToken),
            async before =>
            {
                var after = await objects.ReadAsync(run.Type, run.Namespace, run.Name, run.CancellationToken);
                var existed = before["data"]?[config.Key] is not null;
                // Never the value itself: for a Secret it must not reach results, logs or the audit log.
                return HoldsValue(run.Type, after, config)
                    ? Outcome.Ok($"{run.Target}: key '{config.Key}' {(existed ? "updated" : "added")}")
                    : Outcome.Failed($"{run.Target}: key '{config.Key}' does not hold the new value after the change");
            },
            live => HoldsValue(run.Type, live, config));
    }

    private static bool HoldsValue(ResourceType type, JsonObject? live, UpdateConfigParameters config)
    {
        var stored = live?["data"]?[config.Key]?.GetValue<string>();
        var expected = type == ResourceType.Secret ? Convert.ToBase64String(Encoding.UTF8.GetBytes(config.Value)) : config.Value;
        // A server that keeps stringData as written (the sandbox does) rather than folding it into data.
        var keptAsWritten = type == ResourceType.Secret && live?["stringData"]?[config.Key]?.GetValue<string>() == config.Value;
        return stored == expected || keptAsWritten;
    }
}
