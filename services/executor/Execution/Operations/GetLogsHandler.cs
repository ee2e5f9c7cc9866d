using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Executor.Execution.Operations;

/// <summary>get_logs: read-only, no snapshot.</summary>
internal sealed class GetLogsHandler(KubernetesObjects objects, IOptions<ExecutorOptions> options) : IOperationHandler
{
    private readonly ExecutorOptions settings = options.Value;

    public OperationType Type => OperationType.GetLogs;

    /// <summary>Logs of a pod, or of a workload's newest pods; container, tail and since as asked.</summary>
    public async Task<Outcome> ExecuteAsync(Run run)
    {
        var parameters = run.Operation.Parameters as GetLogsParameters ?? new GetLogsParameters();
        var ns = run.Namespace!;
        IReadOnlyList<V1Pod> pods;
        if (run.Type == ResourceType.Pod)
        {
            pods = [await objects.Client.CoreV1.ReadNamespacedPodAsync(name: run.Name, namespaceParameter: ns, cancellationToken: run.CancellationToken)];
        }
        else
        {
            var obj = await objects.ReadAsync(run.Type, ns, run.Name, run.CancellationToken);
            if (obj is null)
            {
                return Outcome.Failed($"{run.Target} does not exist");
            }

            if (LabelSelectors.FromSpec(obj) is not { } selector)
            {
                return Outcome.Failed($"{run.Target} has no pod selector to find its pods by");
            }

            var list = await objects.Client.CoreV1.ListNamespacedPodAsync(namespaceParameter: ns, labelSelector: selector, cancellationToken: run.CancellationToken);
            pods = list.Items.OrderByDescending(p => p.Metadata.CreationTimestamp).Take(settings.MaxLogPods).ToArray();
        }

        if (pods.Count == 0)
        {
            return Outcome.Ok($"{run.Target} has no pods");
        }

        var text = new StringBuilder();
        foreach (var pod in pods)
        {
            var container = parameters.ContainerName
                ?? (pod.Metadata.Annotations?.TryGetValue("kubectl.kubernetes.io/default-container", out var preferred) == true ? preferred : null)
                ?? pod.Spec.Containers.FirstOrDefault()?.Name;
            if (container is null || !pod.Spec.Containers.Any(c => c.Name == container))
            {
                text.Append($"==> pod/{pod.Metadata.Name}: no container '{container}' <==\n");
                continue;
            }

            await using var stream = await objects.Client.CoreV1.ReadNamespacedPodLogAsync(
                name: pod.Metadata.Name, namespaceParameter: ns, container: container,
                tailLines: parameters.EffectiveTailLines, sinceSeconds: parameters.SinceSeconds, cancellationToken: run.CancellationToken);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var log = await reader.ReadToEndAsync(run.CancellationToken);
            text.Append($"==> pod/{pod.Metadata.Name} container {container} <==\n").Append(log);
            if (!log.EndsWith('\n') && log.Length > 0)
            {
                text.Append('\n');
            }

            if (text.Length > settings.MaxLogCharacters)
            {
                break;
            }
        }

        var result = text.Length > settings.MaxLogCharacters
            ? text.ToString(text.Length - settings.MaxLogCharacters, settings.MaxLogCharacters)
            : text.ToString();
        return Outcome.Ok(result.TrimEnd('\n'));
    }
}
