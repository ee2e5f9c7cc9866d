using System.CommandLine;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Intent;
using Microsoft.Extensions.DependencyInjection;
using K8sAgentPlatform.Parsing.Offline;
using K8sAgentPlatform.Intent.Parsing;
using K8sAgentPlatform.Parsing;

namespace K8sAgentPlatform.Cli.Commands;

internal static class ParseCommand
{
    public static Command Create()
    {
        var offline = new Option<bool>("--offline") { Description = "Use only the deterministic offline parser (no model call)." };
        var json = new Option<bool>("--json") { Description = "Print the intent's JSON form instead of a table." };
        var explain = new Option<bool>("--explain") { Description = "Show the offline parser's tokens and the slot each filled (implies --offline)." };
        var text = new Argument<string[]>("text") { Description = "The request, e.g. \"scale deployment api to 3 replicas in dev\".", Arity = ArgumentArity.OneOrMore };
        var command = new Command("parse", "Show what the platform understood from a request, without checking or running anything.\n" +
            "Exit codes: 0 understood, 2 not understood or out of bounds (the reason is on stderr).")
        {
            offline, json, explain, text,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var request = string.Join(' ', result.GetValue(text)!);
            await using var services = new ServiceCollection().AddIntentParsing(CliConfiguration.Build()).BuildServiceProvider();
            var context = await services.GetRequiredService<IClusterContextSource>().GetAsync(cancellationToken);
            var output = result.InvocationConfiguration.Output;
            var error = result.InvocationConfiguration.Error;
            IntentParseResult outcome;
            if (result.GetValue(explain))
            {
                var explanation = services.GetRequiredService<OfflineIntentParser>().Explain(request, context);
                WriteTokens(output, explanation);
                outcome = explanation.Result;
            }
            else
            {
                var parser = result.GetValue(offline) ? services.GetRequiredService<OfflineIntentParser>() : services.GetRequiredService<IIntentParser>();
                outcome = await parser.ParseAsync(request, context, cancellationToken);
            }

            switch (outcome)
            {
                case IntentParseSucceeded ok when result.GetValue(json):
                    output.WriteLine(IntentJson.Serialize(ok.Intent, indented: true));
                    return 0;
                case IntentParseSucceeded ok:
                    IntentTable.Write(output, ok.Intent, ok.Parser);
                    return 0;
                case IntentParseFailed failed:
                    error.WriteLine($"k8s-agent parse: {failed.Message}");
                    foreach (var detail in failed.Details.Where(d => !failed.Message.EndsWith(d, StringComparison.Ordinal)))
                    {
                        error.WriteLine($"  - {detail}");
                    }

                    return 2;
                default:
                    throw new InvalidOperationException($"Unexpected parse result {outcome.GetType().Name}.");
            }
        });
        return command;
    }

    private static void WriteTokens(TextWriter output, ParseExplanation explanation)
    {
        var width = Math.Max(5, explanation.Tokens.Count == 0 ? 0 : explanation.Tokens.Max(t => t.Text.Length));
        output.WriteLine($"{"TOKEN".PadRight(width)}  {"SLOT",-15}  OPERATION");
        foreach (var token in explanation.Tokens)
        {
            output.WriteLine($"{token.Text.PadRight(width)}  {token.Slot,-15}  {token.Operation?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");
        }

        output.WriteLine();
    }
}
