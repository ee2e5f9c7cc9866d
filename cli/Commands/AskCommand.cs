using System.CommandLine;
using System.Text.Json;
using K8sAgentPlatform.Cli.Client;

namespace K8sAgentPlatform.Cli.Commands;

/// <summary>`ask TEXT`: submit a request, show the plan and policy's verdicts, confirm when needed, follow it to the end.</summary>
internal static class AskCommand
{
    private const string Awaiting = "AwaitingConfirmation";

    /// <summary>How often the request is read while it runs.</summary>
    internal static TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(300);

    private static readonly TimeSpan SagaStartGrace = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var text = new Argument<string[]>("text") { Description = "The request, e.g. \"scale deployment api to 3 replicas in staging\".", Arity = ArgumentArity.OneOrMore };
        var yes = new Option<bool>("--yes", "-y") { Description = "Confirm without asking when confirmation is needed (with the approver token if the default one cannot)." };
        var json = new Option<bool>("--json") { Description = "Print the final request as JSON (progress goes to stderr)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Parse and check against policy only; execute nothing." };
        var command = new ClientCommand("ask", "Ask the platform for a change in plain language and follow it to the end.\n" +
            "Exit codes: 0 Completed, 1 any other final state, 2 usage, input or connection errors.");
        command.Command.Arguments.Add(text);
        command.Command.Options.Add(yes);
        command.Command.Options.Add(json);
        command.Command.Options.Add(dryRun);
        return command.Run(async (result, settings, client, output, cancellationToken) =>
        {
            var asJson = result.GetValue(json);
            var progress = asJson ? output.Error : output.Out;
            var accepted = await client.SubmitAsync(string.Join(' ', result.GetValue(text)!), result.GetValue(dryRun), Guid.NewGuid().ToString("N"), cancellationToken);
            progress.WriteLine($"Request {accepted.Id} submitted.");
            return await FollowAsync(accepted.Id, settings, client, result.GetValue(yes), asJson, output, cancellationToken);
        });
    }

    /// <summary>
    /// Follows a request to its final state: prints its timeline and plan as they come, confirms when asked (with
    /// <paramref name="yes"/> or at the terminal's prompt), and prints the outcome. Returns 0 for Completed, else 1.
    /// </summary>
    internal static async Task<int> FollowAsync(Guid id, ClientSettings settings, ApiClient client, bool yes, bool asJson, CommandOutput output,
        CancellationToken cancellationToken)
    {
        var progress = asJson ? output.Error : output.Out;
        long seen = 0;
        var planShown = false;
        DateTimeOffset? askedFor = null;
        var submittedAt = DateTimeOffset.UtcNow;
        while (true)
        {
            RequestDetails request;
            try
            {
                request = await client.GetRequestAsync(id, cancellationToken);
            }
            catch (ApiException e) when (e.Status == 404 && DateTimeOffset.UtcNow - submittedAt < SagaStartGrace)
            {
                // The request is accepted once published; its record appears when the orchestrator has taken it.
                await Task.Delay(PollInterval, cancellationToken);
                continue;
            }

            foreach (var entry in request.Timeline.Where(e => e.Sequence > seen))
            {
                RequestPrinter.Entry(progress, entry);
                seen = entry.Sequence;
            }

            if (!planShown && request.Intent is not null && request.State is not ("Parsing" or "Validating"))
            {
                progress.WriteLine();
                RequestPrinter.Plan(progress, request);
                progress.WriteLine();
                planShown = true;
            }

            if (request.Final)
            {
                if (asJson)
                {
                    output.Out.WriteLine(JsonSerializer.Serialize(request.Raw, Indented));
                }
                else
                {
                    RequestPrinter.Outcome(output.Out, request);
                }

                return request.State == "Completed" ? 0 : 1;
            }

            if (request.State == Awaiting && request.ConfirmationDeadline != askedFor)
            {
                askedFor = request.ConfirmationDeadline;
                await Decide(request, settings, client, yes, progress, cancellationToken);
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static async Task Decide(RequestDetails request, ClientSettings settings, ApiClient client, bool yes, TextWriter progress, CancellationToken cancellationToken)
    {
        var deadline = request.ConfirmationDeadline is { } d ? $" before {d.ToUniversalTime():u}" : "";
        if (RequestPrinter.WhoMayConfirm(request) is { } who)
        {
            progress.WriteLine(who[..1].ToUpperInvariant() + who[1..] + ".");
        }

        if (!yes && !Interactive)
        {
            progress.WriteLine($"Waiting for confirmation{deadline}: an approver runs `k8s-agent confirm {request.Id}` (or pass --yes).");
            return;
        }

        if (!yes)
        {
            progress.Write($"Confirm these operations{deadline}? [y/N] ");
            var answer = Console.In.ReadLine()?.Trim();
            if (!string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
            {
                await client.CancelAsync(request.Id, Guid.NewGuid().ToString("N"), cancellationToken);
                progress.WriteLine("Not confirmed: cancelling the request.");
                return;
            }
        }

        try
        {
            await client.ConfirmAsync(request.Id, Guid.NewGuid().ToString("N"), cancellationToken, request.ConfirmationRound);
            progress.WriteLine($"Confirmed as {settings.TokenName}.");
        }
        catch (ApiException e) when (e.Status == 403 && request.RequiresSecondPerson)
        {
            // Switching to another token of one's own would be the requester confirming under a second name.
            progress.WriteLine($"Could not confirm: {e.Message}. Waiting for a second person: {request.MayConfirm}.");
        }
        catch (ApiException e) when (e.Status == 403 && settings.TokenNamed(ClientSettings.ApproverTokenName) is { } approver && approver != settings.Token)
        {
            using var asApprover = ApiClient.Create(settings, approver);
            try
            {
                await asApprover.ConfirmAsync(request.Id, Guid.NewGuid().ToString("N"), cancellationToken, request.ConfirmationRound);
                progress.WriteLine($"Confirmed with the {ClientSettings.ApproverTokenName} token ({settings.TokenName} cannot confirm this request).");
            }
            catch (ApiException again) when (again.Status is 403 or 409)
            {
                progress.WriteLine($"Could not confirm: {again.Message}. Waiting for another approver.");
            }
        }
        catch (ApiException e) when (e.Status is 403 or 409)
        {
            progress.WriteLine($"Could not confirm: {e.Message}. Waiting for another approver.");
        }
    }

    private static bool Interactive => !Console.IsInputRedirected && !Console.IsOutputRedirected;
}
