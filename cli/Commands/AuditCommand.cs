using System.CommandLine;
using System.Text.Json;
using K8sAgentPlatform.Cli.Client;

namespace K8sAgentPlatform.Cli.Commands;

/// <summary>`audit [--request ID] [--verify]`.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var request = new Option<string?>("--request") { Description = "Only entries of this request." };
        var principal = new Option<string?>("--principal") { Description = "Only entries by this principal." };
        var limit = new Option<int?>("--limit") { Description = "At most this many (default 200)." };
        var verify = new Option<bool>("--verify") { Description = "Check the log's hash chain instead of listing it (exit 1 when broken)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new ClientCommand("audit", "The tamper-evident audit log: who did what to which request.");
        foreach (var option in new Option[] { request, principal, limit, verify, json })
        {
            command.Command.Options.Add(option);
        }

        return command.Run(async (result, _, client, output, cancellationToken) =>
        {
            if (result.GetValue(verify))
            {
                var verification = await client.VerifyAuditAsync(cancellationToken);
                output.Out.WriteLine(verification.Intact
                    ? $"The audit log is intact ({verification.EntriesChecked} entries checked)."
                    : $"The audit log is BROKEN at entry {verification.FirstBrokenSequence}: {verification.Problem}");
                return verification.Intact ? 0 : 1;
            }

            var requestId = result.GetValue(request) is { } raw ? ClientCommand.RequestId(raw) : (Guid?)null;
            var entries = await client.ReadAuditAsync(requestId, result.GetValue(principal), limit: result.GetValue(limit), cancellationToken: cancellationToken);
            if (result.GetValue(json))
            {
                output.Out.WriteLine(JsonSerializer.Serialize(entries, JsonOutput.Compact));
                return 0;
            }

            foreach (var entry in entries)
            {
                output.Out.WriteLine($"{entry.Sequence,6}  {entry.At.ToUniversalTime():u}  {entry.Action,-38} {entry.Principal,-10} " +
                    (entry.RequestId is { } id ? $"{id}  " : "") + entry.Detail);
            }

            return 0;
        });
    }
}
