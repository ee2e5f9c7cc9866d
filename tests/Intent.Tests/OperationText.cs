using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Intent.Tests;

/// <summary>An operation as one line the phrasing tables can state: "scale deployment/api dev replicas=3".</summary>
internal static class OperationText
{
    public static string Of(KubernetesOperation o)
    {
        var parameters = o.Parameters switch
        {
            null => "",
            ScaleParameters p => $" replicas={p.Replicas}",
            UpdateImageParameters p => $" {p.ContainerName}={p.Reference}",
            UpdateConfigParameters p => $" {p.Key}={p.Value}",
            GetLogsParameters p => (p.ContainerName is { } c ? $" container={c}" : "") + (p.TailLines is { } t ? $" tail={t}" : "") + (p.SinceSeconds is { } s ? $" since={s}" : ""),
            RollbackParameters p => $" revision={p.Revision?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}",
            DrainNodeParameters p => (p.GracePeriodSeconds is { } g ? $" grace={g}" : "") + (p.IgnoreDaemonsets is { } i ? $" ignore_daemonsets={i.ToString().ToLowerInvariant()}" : "") + (p.DeleteEmptydirData is { } d ? $" delete_emptydir_data={d.ToString().ToLowerInvariant()}" : ""),
            _ => " ?",
        };
        return $"{WireNames.Of(o.OperationType)} {WireNames.Of(o.ResourceType)}/{o.ResourceName} {o.Namespace ?? "-"}{parameters}";
    }

    public static string Of(IEnumerable<KubernetesOperation> operations) => string.Join(" | ", operations.Select(Of));
}
