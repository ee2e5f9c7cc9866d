using System.CommandLine;
using System.Text.Json;
using K8sAgentPlatform.Cli.Client;
using Spectre.Console;

namespace K8sAgentPlatform.Cli.Commands;

/// <summary>`ask TEXT`: submit a request, show the plan and policy's verdicts, confirm when needed, follow it to the end.</summary>
internal static class AskCommand
{
    private const string Awaiting = "AwaitingConfirmation";

    /// <summary>The pause before reading again when a read brought nothing new (an API without ?wait, or a wait that ran out), or the request is not there yet.</summary>
    internal static TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How long one read waits for the request to change (GET ?wait): the API answers at each change, so progress shows as it happens.</summary>
    private static readonly TimeSpan ChangeWait = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan SagaStartGrace = TimeSpan.FromSeconds(30);

    /// <param name="terminal">A person's console (given whether it must be stderr, with --json), or null for plain text; default: the process's, unless redirected.</param>
    public static Command Create(Func<bool, IAnsiConsole?>? terminal = null)
    {
        var text = new Argument<string[]>("text") { Description = "The request, e.g. \"scale deployment api to 3 replicas in staging\".", Arity = ArgumentArity.OneOrMore };
        var yes = new Option<bool>("--yes", "-y") { Description = "Confirm without asking when confirmation is needed (with the approver token if the default one cannot)." };
        var json = new Option<bool>("--json") { Description = "Print the final request as JSON (progress goes to stderr)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Parse and check against policy only; execute nothing." };
        var command = new ClientCommand("ask", "Ask the platform for a change in plain language and follow it to the end.\n" +
            "Exit codes: 0 Completed, 1 any other final state, 2 usage, input or connection errors, 130 stopped following with Ctrl-C (the request goes on).");
        command.Command.Arguments.Add(text);
        command.Command.Options.Add(yes);
        command.Command.Options.Add(json);
        command.Command.Options.Add(dryRun);
        terminal ??= TerminalFollowView.Detect;
        return command.Run(async (result, settings, client, output, cancellationToken) =>
        {
            var asJson = result.GetValue(json);
            var view = View(terminal(asJson), asJson, output);
            var accepted = await client.SubmitAsync(string.Join(' ', result.GetValue(text)!), result.GetValue(dryRun), Guid.NewGuid().ToString("N"), cancellationToken);
            view.Line($"Request {accepted.Id} submitted.");
            return await FollowAsync(accepted.Id, settings, client, result.GetValue(yes), asJson, output, view, cancellationToken);
        });
    }

    /// <summary>Plain text (progress on stderr with --json) unless <paramref name="terminal"/> is a person's console.</summary>
    internal static IFollowView View(IAnsiConsole? terminal, bool asJson, CommandOutput output) =>
        terminal is null ? new PlainFollowView(asJson ? output.Error : output.Out, output.Out) : new TerminalFollowView(terminal);

    /// <summary>
    /// Follows a request to its final state: shows its timeline and plan as they come, confirms when asked (with
    /// <paramref name="yes"/> or at the terminal's prompt), and shows the outcome. Returns 0 for Completed, 1 for any
    /// other final state, <see cref="Interrupted"/> when the person stops following (the request goes on).
    /// </summary>
    internal static async Task<int> FollowAsync(Guid id, ClientSettings settings, ApiClient client, bool yes, bool asJson, CommandOutput output,
        IFollowView view, CancellationToken cancellationToken)
    {
        var follower = new Follower(id, client, view);
        try
        {
            while (true)
            {
                var request = await view.FollowingAsync(status => follower.UntilDecisionAsync(status, cancellationToken));
                if (request.Final)
                {
                    if (asJson)
                    {
                        output.Out.WriteLine(JsonSerializer.Serialize(request.Raw, JsonOutput.Indented));
                    }
                    else
                    {
                        view.Outcome(request);
                    }

                    return request.State == "Completed" ? 0 : 1;
                }

                await Decide(request, settings, client, yes, view, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C stops this command, not the request: it goes on (and may still be confirmed elsewhere).
            view.Line($"Stopped following: request {id} goes on" + (follower.LastState is { } state ? $" ({state})" : "")
                + $". Follow it again with `k8s-agent requests follow {id}`; stop it with `k8s-agent cancel {id}`.");
            return Interrupted;
        }
    }

    /// <summary>The exit code after Ctrl-C: what shells report for SIGINT, and what System.CommandLine returns for a command that does not stop in time.</summary>
    internal const int Interrupted = 130;


    /// <summary>Reads the request until it is final or a new confirmation round waits for a decision, showing what changes.</summary>
    private sealed class Follower(Guid id, ApiClient client, IFollowView view)
    {
        private readonly DateTimeOffset submittedAt = DateTimeOffset.UtcNow;
        private long seen;
        private int? version;
        private bool planShown;
        private DateTimeOffset? askedFor;

        public string? LastState { get; private set; }

        public async Task<RequestDetails> UntilDecisionAsync(Action<RequestDetails> status, CancellationToken cancellationToken)
        {
            // The first read answers at once, to show where the request is; the next ones wait for it to change.
            TimeSpan? untilChanged = null;
            while (true)
            {
                RequestDetails request;
                try
                {
                    request = await client.GetRequestAsync(id, cancellationToken, untilChanged, version);
                }
                catch (ApiException e) when (e.Status == 404 && DateTimeOffset.UtcNow - submittedAt < SagaStartGrace)
                {
                    // The request is accepted once published; its record appears when the orchestrator has taken it.
                    await Task.Delay(PollInterval, cancellationToken);
                    continue;
                }

                var changed = request.Version != version || request.State != LastState || request.Timeline.Any(e => e.Sequence > seen);
                version = request.Version;
                LastState = request.State;
                foreach (var entry in request.Timeline.Where(e => e.Sequence > seen))
                {
                    view.Entry(entry);
                    seen = entry.Sequence;
                }

                if (!planShown && request.Intent is not null && request.State is not ("Parsing" or "Validating"))
                {
                    view.Plan(request);
                    planShown = true;
                }

                status(request);
                if (request.Final)
                {
                    return request;
                }

                if (request.State == Awaiting && request.ConfirmationDeadline != askedFor)
                {
                    askedFor = request.ConfirmationDeadline;
                    return request;
                }

                if (untilChanged is not null && !changed)
                {
                    // An API that does not wait, or the wait ran out: do not ask again at once.
                    await Task.Delay(PollInterval, cancellationToken);
                }

                untilChanged = ChangeWait;
            }
        }
    }

    private static async Task Decide(RequestDetails request, ClientSettings settings, ApiClient client, bool yes, IFollowView view, CancellationToken cancellationToken)
    {
        var deadline = request.ConfirmationDeadline is { } d ? $" before {d.ToUniversalTime():u}" : "";
        if (RequestPrinter.WhoMayConfirm(request) is { } who)
        {
            view.Line(Capitalized(who) + ".");
        }

        if (!yes)
        {
            // Under four eyes the requester's own answer cannot count, so nobody at this terminal is asked.
            if (!view.CanAsk || request.RequiresSecondPerson)
            {
                view.Line($"Waiting for confirmation{deadline}: {Where(request, settings)}" + (request.RequiresSecondPerson ? "." : " (or pass --yes)."));
                return;
            }

            if (!await view.AskAsync($"Confirm these operations{deadline}?", cancellationToken))
            {
                view.Line($"Not confirmed: request {request.Id} goes on waiting in {Awaiting}{deadline}. {Capitalized(Where(request, settings))}.");
                return;
            }
        }

        try
        {
            await client.ConfirmAsync(request.Id, Guid.NewGuid().ToString("N"), cancellationToken, request.ConfirmationRound);
            view.Line($"Confirmed as {settings.TokenName}.");
        }
        catch (ApiException e) when (e.Status == 403 && request.RequiresSecondPerson)
        {
            // Switching to another token of one's own would be the requester confirming under a second name.
            view.Line($"Could not confirm: {RequestPrinter.Clause(e.Message)}. Waiting for a second person: {request.MayConfirm}.");
            view.Line($"{Capitalized(Where(request, settings))}.");
        }
        catch (ApiException e) when (e.Status == 403 && settings.TokenNamed(ClientSettings.ApproverTokenName) is { } approver && approver != settings.Token)
        {
            using var asApprover = ApiClient.Create(settings, approver);
            try
            {
                await asApprover.ConfirmAsync(request.Id, Guid.NewGuid().ToString("N"), cancellationToken, request.ConfirmationRound);
                view.Line($"Confirmed with the {ClientSettings.ApproverTokenName} token ({settings.TokenName} cannot confirm this request).");
            }
            catch (ApiException again) when (again.Status is 403 or 409)
            {
                view.Line($"Could not confirm: {RequestPrinter.Clause(again.Message)}. Waiting for another approver.");
                view.Line($"{Capitalized(Where(request, settings))}.");
            }
        }
        catch (ApiException e) when (e.Status is 403 or 409)
        {
            view.Line($"Could not confirm: {RequestPrinter.Clause(e.Message)}. Waiting for another approver.");
            view.Line($"{Capitalized(Where(request, settings))}.");
        }
    }

    /// <summary>"anyone with the approver role but alice can confirm it with `k8s-agent confirm ID --as approver` or at URL/ui/requests/ID".</summary>
    private static string Where(RequestDetails request, ClientSettings settings) =>
        $"{(request.MayConfirm is { Length: > 0 } who ? who : "an approver")} can confirm it with `{ConfirmCommand(request.Id, settings)}` or at {ConsoleUrl(request.Id, settings)}";

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>With `--as approver` when the client config holds an approver token other than the one in use (as `serve` writes it).</summary>
    internal static string ConfirmCommand(Guid id, ClientSettings settings) =>
        settings.TokenNamed(ClientSettings.ApproverTokenName) is { } approver && approver != settings.Token
            ? $"k8s-agent confirm {id} --as {ClientSettings.ApproverTokenName}"
            : $"k8s-agent confirm {id}";

    /// <summary>The request's page in the web console, which the platform serves at /ui.</summary>
    internal static Uri ConsoleUrl(Guid id, ClientSettings settings) => new(settings.Url, $"/ui/requests/{id}");
}
