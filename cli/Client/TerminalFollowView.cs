using System.Text.Json;
using System.Text.RegularExpressions;
using K8sAgentPlatform.Contracts.Intent;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace K8sAgentPlatform.Cli.Client;

/// <summary>Following a request with a person at the terminal: Spectre.Console tables and colours, a live status line, a y/N prompt.</summary>
internal sealed partial class TerminalFollowView(IAnsiConsole console) : IFollowView
{
    /// <summary>
    /// The console of a person at a terminal, or null when stdin or stdout is redirected (scripts and tests parse plain
    /// text). With --json the result goes to stdout, so the person's console is stderr.
    /// </summary>
    public static IAnsiConsole? Detect(bool onStandardError) =>
        Console.IsInputRedirected || Console.IsOutputRedirected
            ? null
            : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(onStandardError ? Console.Error : Console.Out) });

    public bool CanAsk => true;

    public void Line(string text) => console.MarkupLine(Markup.Escape(text));

    public void Entry(AuditItem entry) => console.MarkupLine(
        $"  [grey]{entry.At.ToUniversalTime():HH:mm:ss}[/]  {Markup.Escape(entry.Action),-38} [blue]{Markup.Escape(entry.Principal),-10}[/] {Markup.Escape(entry.Detail ?? "")}".TrimEnd());

    public void Plan(RequestDetails request)
    {
        console.WriteLine();
        if (request.Intent is { } json && IntentJson.TryRead(json, out var intent, out _))
        {
            console.MarkupLine($"[grey]Parsed by:[/]  {Markup.Escape(request.Parser ?? "?")}");
            console.MarkupLine($"[grey]Summary:[/]    {Markup.Escape(intent!.Summary)}");
            var risk = WireNames.Of(intent.EstimatedRiskLevel);
            console.MarkupLine($"[grey]Risk:[/]       [{RiskColour(risk).ToMarkup()}]{risk}[/] [grey](the model's estimate; policy decides)[/]");
            console.Write(Table(IntentTable.Header, IntentTable.Rows(intent), (_, value) => new Text(value)));
        }
        else if (request.Intent is { } raw)
        {
            console.WriteLine(raw.ToString());
        }

        if (request.Verdicts.Count > 0)
        {
            console.MarkupLine("[bold]Policy:[/]");
            console.Write(Table(RequestPrinter.VerdictHeader, RequestPrinter.VerdictRows(request), (column, value) => column switch
            {
                1 => new Text(value, new Style(value == "approved" ? Color.Green : Color.Red, decoration: Decoration.Bold)),
                2 => new Text(value, new Style(RiskColour(value))),
                _ => new Text(value),
            }));
        }

        if (request.Verdicts.Any(v => v.Diff.Count > 0))
        {
            console.MarkupLine("[bold]Changes[/] [grey](live object -> the server's dry-run result)[/]:");
            foreach (var line in DiffTable.Lines(request.Verdicts, Markup.Escape, old => $"[red]{Markup.Escape(old)}[/]", now => $"[green]{Markup.Escape(now)}[/]"))
            {
                console.MarkupLine(line);
            }
        }

        console.WriteLine();
    }

    public void Outcome(RequestDetails request)
    {
        console.WriteLine();
        var colour = request.State switch
        {
            "Completed" => "green",
            "Cancelled" or "Expired" => "yellow",
            _ => "red",
        };
        console.MarkupLine($"[bold {colour}]{Markup.Escape(request.State)}[/]: {Markup.Escape(request.Outcome ?? "")}");
        foreach (var reason in request.Reasons)
        {
            console.MarkupLine($"  - {Markup.Escape(reason)}");
        }

        foreach (var result in request.Results.Where(r => r.Result is { Length: > 0 } || r.Error is not null))
        {
            console.MarkupLine($"Operation {result.Index}: " + (result.Success ? "[green]ok[/]" : "[red]failed[/]")
                + (result.SnapshotId is { } s ? $" [grey](snapshot {Markup.Escape(s)})[/]" : ""));
            foreach (var line in (result.Result ?? result.Error ?? "").Split('\n'))
            {
                console.MarkupLine($"    {Markup.Escape(line)}");
            }
        }
    }

    public Task<T> FollowingAsync<T>(Func<Action<RequestDetails>, Task<T>> follow) =>
        console.Status().StartAsync("Submitted", context => follow(request =>
        {
            // Shown at once: without cursor control (a dumb terminal) each change is its own line, none skipped.
            context.Status = Markup.Escape(StatusLine(request));
            context.Refresh();
        }));

    public async Task<bool> AskAsync(string question, CancellationToken cancellationToken)
    {
        var prompt = new TextPrompt<string>(Markup.Escape(question) + " [[y/N]]")
            .AllowEmpty()
            .Validate(answer => answer.Trim().ToLowerInvariant() is "" or "y" or "yes" or "n" or "no"
                ? ValidationResult.Success()
                : ValidationResult.Error("Answer y or n (Enter is no)."));
        string answer;
        try
        {
            answer = await prompt.ShowAsync(console, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            console.WriteLine();
            throw;
        }

        return answer.Trim().ToLowerInvariant() is "y" or "yes";
    }

    /// <summary>
    /// "Executing · 1 of 2 operations done · operation 0: ready 3/3 · operation 1: ready 1/3, rolling out": finished
    /// rollouts from each operation's result, the running one from the API's rollout progress (what the executor saw last).
    /// </summary>
    internal static string StatusLine(RequestDetails request)
    {
        var parts = new List<string> { request.State };
        if (request.State == "AwaitingConfirmation" && request.MayConfirm is { } who)
        {
            parts.Add($"waiting for {who}" + (request.ConfirmationDeadline is { } d ? $" until {d.ToUniversalTime():HH:mm:ss} UTC" : ""));
        }

        if (request.Results.Count > 0 || request.State == "Executing")
        {
            var total = OperationCount(request);
            parts.Add(total is { } n ? $"{request.Results.Count} of {n} operations done" : $"{request.Results.Count} operations done");
        }

        foreach (var result in request.Results)
        {
            if (Replicas().Match(result.Result ?? result.Error ?? "") is { Success: true } m)
            {
                parts.Add($"operation {result.Index}: ready {m.Groups["ready"].Value}/{m.Groups["desired"].Value}");
            }
        }

        // The operation rolling out now, as the executor sees it while it verifies.
        if (request.RolloutProgress is { } rolling && request.Results.All(r => r.Index != rolling.OperationIndex)
            && Replicas().Match(rolling.Rollout) is { Success: true } live)
        {
            parts.Add($"operation {rolling.OperationIndex}: ready {live.Groups["ready"].Value}/{live.Groups["desired"].Value}, rolling out");
        }

        return string.Join(" · ", parts);
    }

    private static int? OperationCount(RequestDetails request) =>
        request.Intent is { ValueKind: JsonValueKind.Object } intent && intent.TryGetProperty("operations", out var operations) && operations.ValueKind == JsonValueKind.Array
            ? operations.GetArrayLength()
            : null;

    // The verifier's summary: "desired 3, updated 3, ready 3, available 3" (deployments), "desired 3, ready 3" (replica sets).
    [GeneratedRegex(@"desired (?<desired>\d+)(?:, updated \d+)?, ready (?<ready>\d+)")]
    private static partial Regex Replicas();

    private static Color RiskColour(string risk) => risk switch
    {
        "low" => Color.Green,
        "medium" => Color.Yellow,
        _ => Color.Red,
    };

    private static Table Table(string[] header, IReadOnlyList<string[]> rows, Func<int, string, IRenderable> cell)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in header)
        {
            table.AddColumn(new TableColumn(new Text(column, new Style(decoration: Decoration.Bold))));
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Select((value, column) => cell(column, value)).ToArray());
        }

        return table;
    }
}
