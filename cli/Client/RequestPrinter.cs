using System.Globalization;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Cli.Client;

/// <summary>How requests, their plans and their timelines read on a terminal.</summary>
internal static class RequestPrinter
{
    /// <summary>An API error's message as the start of a longer sentence (without its own closing period).</summary>
    public static string Clause(string message) => message.TrimEnd().TrimEnd('.');

    /// <summary>The parsed operations, policy's verdict on each and what each changes (`requests show` and `ask` before it confirms).</summary>
    public static void Plan(TextWriter output, RequestDetails request)
    {
        if (request.Intent is { } json && IntentJson.TryRead(json, out var intent, out _))
        {
            IntentTable.Write(output, intent!, request.Parser ?? "?");
        }
        else if (request.Intent is { } raw)
        {
            output.WriteLine(raw.ToString());
        }

        if (request.Verdicts.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("Policy:");
        IntentTable.Columns(output, VerdictHeader, VerdictRows(request));
        DiffTable.Write(output, request.Verdicts);
    }

    internal static readonly string[] VerdictHeader = ["#", "VERDICT", "RISK", "CONFIRM", "DRY RUN", "REASONS"];

    internal static IReadOnlyList<string[]> VerdictRows(RequestDetails request) =>
        request.Verdicts.Select(v => new[]
        {
            v.Index.ToString(CultureInfo.InvariantCulture),
            v.Approved ? "approved" : "REJECTED",
            v.PolicyRiskLevel,
            v.RequiresSecondPerson ? "second person" : v.RequiresConfirmation ? "yes" : "no",
            v.DryRun is { } d ? d.Status + (d.Message is { Length: > 0 } m ? $" ({m})" : "") : "-",
            string.Join("; ", v.Reasons.Concat(v.Warnings.Select(w => $"warning: {w}"))) is { Length: > 0 } notes ? notes : "-",
        }).ToList();

    /// <summary>"needs a second person: anyone with the approver role but alice", or who else may confirm; null when nobody needs to.</summary>
    public static string? WhoMayConfirm(RequestDetails request) => request.MayConfirm is not { Length: > 0 } who
        ? null
        : request.RequiresSecondPerson ? $"needs a second person: {who}" : $"needs confirmation: {who}";

    public static void Entry(TextWriter output, AuditItem entry) =>
        output.WriteLine($"  {entry.At.ToUniversalTime():HH:mm:ss}  {entry.Action,-38} {entry.Principal,-10} {entry.Detail}".TrimEnd());

    public static void Outcome(TextWriter output, RequestDetails request)
    {
        output.WriteLine();
        output.WriteLine($"{request.State}: {request.Outcome}");
        foreach (var reason in request.Reasons)
        {
            output.WriteLine($"  - {reason}");
        }

        foreach (var result in request.Results.Where(r => r.Result is { Length: > 0 } || r.Error is not null))
        {
            output.WriteLine($"Operation {result.Index}: {(result.Success ? "ok" : "failed")}" + (result.SnapshotId is { } s ? $" (snapshot {s})" : ""));
            foreach (var line in (result.Result ?? result.Error ?? "").Split('\n'))
            {
                output.WriteLine($"    {line}");
            }
        }
    }

    public static void Show(TextWriter output, RequestDetails request)
    {
        output.WriteLine($"Request:    {request.Id}");
        output.WriteLine($"State:      {request.State}" + (request.DryRun ? " (dry run)" : ""));
        output.WriteLine($"Requester:  {request.Principal}");
        if (request.Text is not null)
        {
            output.WriteLine($"Text:       {request.Text}");
        }

        if (request.ConfirmationDeadline is { } deadline)
        {
            output.WriteLine($"Confirm by: {deadline.ToUniversalTime():u}");
        }

        if (!request.Final && WhoMayConfirm(request) is { } who)
        {
            output.WriteLine($"Confirm:    {who}");
        }

        if (request.ConfirmedBy.Count > 0)
        {
            output.WriteLine($"Confirmed:  {string.Join(", ", request.ConfirmedBy)}");
        }

        output.WriteLine();
        Plan(output, request);
        if (request.Snapshots.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Snapshots:");
            Snapshots(output, request.Snapshots);
        }

        output.WriteLine();
        output.WriteLine("Timeline:");
        foreach (var entry in request.Timeline)
        {
            Entry(output, entry);
        }

        if (request.Final)
        {
            Outcome(output, request);
        }
    }

    public static void Snapshots(TextWriter output, IReadOnlyList<SnapshotInfo> snapshots) =>
        IntentTable.Columns(output, ["ID", "KIND", "NAMESPACE", "NAME", "REQUEST", "OP", "CAPTURED", "RESTORED"], snapshots.Select(s => new[]
        {
            s.Id, s.Kind, s.Namespace ?? "-", s.Name, s.RequestId.ToString(), s.OperationIndex.ToString(CultureInfo.InvariantCulture),
            s.CapturedAt.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture),
            s.RestoredAt is { } r ? r.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture) : s.Consumed ? "yes" : "-",
        }).ToList());
}
