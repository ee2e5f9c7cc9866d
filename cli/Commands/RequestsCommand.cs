using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using K8sAgentPlatform.Cli.Client;
using Spectre.Console;

namespace K8sAgentPlatform.Cli.Commands;

/// <summary>`requests list [--state S]`, `requests show ID` and `requests follow ID`.</summary>
internal static class RequestsCommand
{

    /// <param name="terminal">As for <see cref="AskCommand.Create"/> (used by `follow`).</param>
    public static Command Create(Func<bool, IAnsiConsole?>? terminal = null)
    {
        var command = new Command("requests", "List requests, show one, or follow one to its end.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Follow(terminal ?? TerminalFollowView.Detect));
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
                output.Out.WriteLine(JsonSerializer.Serialize(requests, JsonOutput.Compact));
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
                output.Out.WriteLine(JsonSerializer.Serialize(request.Raw, JsonOutput.Indented));
            }
            else
            {
                RequestPrinter.Show(output.Out, request);
            }

            return 0;
        });
    }

    private static Command Follow(Func<bool, IAnsiConsole?> terminal)
    {
        var id = new Argument<string>("id") { Description = "The request id." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Confirm without asking when confirmation is needed (with the approver token if the default one cannot)." };
        var json = new Option<bool>("--json") { Description = "Print the final request as JSON (progress goes to stderr)." };
        var command = new ClientCommand("follow", "Follow a request to its end as `ask` does (after Ctrl-C, or one submitted elsewhere).\n" +
            "Exit codes: 0 Completed, 1 any other final state, 2 usage, input or connection errors, 130 stopped following with Ctrl-C.", "requests");
        command.Command.Arguments.Add(id);
        command.Command.Options.Add(yes);
        command.Command.Options.Add(json);
        return command.Run(async (result, settings, client, output, cancellationToken) =>
        {
            var requestId = ClientCommand.RequestId(result.GetValue(id)!);
            var asJson = result.GetValue(json);
            return await AskCommand.FollowAsync(requestId, settings, client, result.GetValue(yes), asJson, output,
                AskCommand.View(terminal(asJson), asJson, output), cancellationToken);
        });
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
