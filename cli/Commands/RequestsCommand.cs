using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using K8sAgentPlatform.Cli.Client;

namespace K8sAgentPlatform.Cli.Commands;

/// <summary>`requests list [--state S]` and `requests show ID`.</summary>
internal static class RequestsCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var command = new Command("requests", "List requests or show one.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        return command;
    }

    private static Command List()
    {
        var state = new Option<string?>("--state") { Description = "Only requests in this state, e.g. AwaitingConfirmation, Completed." };
        var limit = new Option<int?>("--limit") { Description = "At most this many (default 100)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new ClientCommand("list", "Requests, newest first.", "requests");
        command.Command.Options.Add(state);
        command.Command.Options.Add(limit);
        command.Command.Options.Add(json);
        return command.Run(async (result, _, client, output, cancellationToken) =>
        {
            var requests = await client.ListRequestsAsync(result.GetValue(state), result.GetValue(limit), cancellationToken);
            if (result.GetValue(json))
            {
                output.Out.WriteLine(JsonSerializer.Serialize(requests, ApiClient.Json));
                return 0;
            }

            if (requests.Count == 0)
            {
                output.Out.WriteLine("No requests.");
                return 0;
            }

            IntentTable.Columns(output.Out, ["ID", "STATE", "BY", "SUBMITTED", "REQUEST"], requests.Select(r => new[]
            {
                r.Id.ToString(), r.State, r.Principal, r.SubmittedAt.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture),
                Shorten(r.Text ?? r.Summary ?? "-", 60),
            }).ToList());
            return 0;
        });
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "The request id." };
        var json = new Option<bool>("--json") { Description = "Print the request as JSON." };
        var command = new ClientCommand("show", "One request: plan, verdicts, results, snapshots and timeline.", "requests");
        command.Command.Arguments.Add(id);
        command.Command.Options.Add(json);
        return command.Run(async (result, _, client, output, cancellationToken) =>
        {
            var request = await client.GetRequestAsync(ClientCommand.RequestId(result.GetValue(id)!), cancellationToken);
            if (result.GetValue(json))
            {
                output.Out.WriteLine(JsonSerializer.Serialize(request.Raw, Indented));
            }
            else
            {
                RequestPrinter.Show(output.Out, request);
            }

            return 0;
        });
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
