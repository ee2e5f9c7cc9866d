using System.CommandLine;
using System.Text.Json;
using K8sAgentPlatform.Cli.Client;

namespace K8sAgentPlatform.Cli.Commands;

/// <summary>`snapshots [filters]`.</summary>
internal static class SnapshotsCommand
{
    public static Command Create()
    {
        var @namespace = new Option<string?>("--namespace", "-n") { Description = "Only this namespace." };
        var type = new Option<string?>("--type") { Description = "Only this resource type, e.g. deployment." };
        var name = new Option<string?>("--name") { Description = "Only objects of this name." };
        var request = new Option<string?>("--request") { Description = "Only snapshots of this request." };
        var unrestored = new Option<bool>("--unrestored") { Description = "Only snapshots not yet restored." };
        var limit = new Option<int?>("--limit") { Description = "At most this many (default 100)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new ClientCommand("snapshots", "Snapshots taken before changes, newest first (a Secret's values are never shown).");
        foreach (var option in new Option[] { @namespace, type, name, request, unrestored, limit, json })
        {
            command.Command.Options.Add(option);
        }

        return command.Run(async (result, _, client, output, cancellationToken) =>
        {
            var filter = new SnapshotFilter(
                result.GetValue(@namespace), result.GetValue(type), result.GetValue(name),
                result.GetValue(request) is { } id ? ClientCommand.RequestId(id) : null,
                result.GetValue(unrestored) ? false : null,
                result.GetValue(limit));
            var snapshots = await client.ListSnapshotsAsync(filter, cancellationToken);
            if (result.GetValue(json))
            {
                output.Out.WriteLine(JsonSerializer.Serialize(snapshots, JsonOutput.Compact));
            }
            else if (snapshots.Count == 0)
            {
                output.Out.WriteLine("No snapshots.");
            }
            else
            {
                RequestPrinter.Snapshots(output.Out, snapshots);
            }

            return 0;
        });
    }
}
