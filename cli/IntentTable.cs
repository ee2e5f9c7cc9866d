using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Cli;

/// <summary>The readable form of an intent: a header and one row per operation.</summary>
internal static class IntentTable
{
    public static void Write(TextWriter output, KubernetesIntent intent, string parser)
    {
        output.WriteLine($"Parsed by:  {parser}");
        output.WriteLine($"Summary:    {intent.Summary}");
        output.WriteLine($"Risk:       {WireNames.Of(intent.EstimatedRiskLevel)} (the model's estimate; policy decides)");
        output.WriteLine();
        Columns(output, Header, Rows(intent));
    }

    internal static readonly string[] Header = ["#", "OPERATION", "TARGET", "NAMESPACE", "PARAMETERS", "CONFIRM"];

    internal static IReadOnlyList<string[]> Rows(KubernetesIntent intent) =>
        intent.Operations.Select((o, i) => new[]
        {
            i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            WireNames.Of(o.OperationType),
            $"{WireNames.Of(o.ResourceType)}/{o.ResourceName}",
            o.Namespace ?? "-",
            Parameters(o),
            o.RequiresConfirmation ? "yes" : "no",
        }).ToList();

    public static void Columns(TextWriter output, string[] header, IReadOnlyList<string[]> rows)
    {
        var widths = header.Select((h, c) => rows.Select(r => r[c].Length).Append(h.Length).Max()).ToArray();
        output.WriteLine(string.Join("  ", header.Select((h, c) => h.PadRight(widths[c]))).TrimEnd());
        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((v, c) => v.PadRight(widths[c]))).TrimEnd());
        }
    }

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Parameters(KubernetesOperation operation) => operation.Parameters switch
    {
        null => "-",
        ScaleParameters p => $"replicas={p.Replicas}",
        UpdateImageParameters p => $"{p.ContainerName}={p.Reference}",
        UpdateConfigParameters p when operation.ResourceType == ResourceType.Secret => $"{p.Key}=(hidden)",
        UpdateConfigParameters p => $"{p.Key}={p.Value}",
        GetLogsParameters p => $"tail={p.EffectiveTailLines}" + (p.SinceSeconds is { } s ? $" since={s}s" : "") + (p.ContainerName is { } c ? $" container={c}" : ""),
        RollbackParameters p => p.SnapshotId is { } id ? $"snapshot={id}" : p.Revision is { } r ? $"revision={r}" : "previous revision",
        ApplyManifestParameters p => $"manifest ({p.Manifest.Length} chars)",
        DrainNodeParameters p => $"ignore-daemonsets={Bool(p.IgnoreDaemonsets ?? true)} delete-emptydir-data={Bool(p.DeleteEmptydirData ?? false)}" + (p.GracePeriodSeconds is { } g ? $" grace={g}s" : ""),
        _ => operation.Parameters.ToString()!,
    };
}
