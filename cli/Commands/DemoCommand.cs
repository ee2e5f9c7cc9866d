using System.CommandLine;
using System.Diagnostics;
using K8sAgentPlatform.Cli.Client;
using K8sAgentPlatform.Cli.Embedded;

namespace K8sAgentPlatform.Cli.Commands;

/// <summary>
/// A guided first run: the embedded platform on a fresh seeded sandbox, three requests that show the three
/// paths a change can take, and what happened at each step and why.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Start the platform on a seeded sandbox cluster and walk through a scale, a confirmed image update\n" +
            "in production, and a bad image update that rolls itself back. Needs no cluster, broker or API key.");
        command.SetAction(async (result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var work = Directory.CreateTempSubdirectory("k8s-agent-demo-");
            var clock = Stopwatch.StartNew();
            try
            {
                await output.WriteLineAsync("Starting the platform in this process: sandbox cluster (namespaces production, staging, dev), in-memory bus, SQLite...");
                await using var platform = await EmbeddedPlatform.StartAsync(new EmbeddedSettings(0, null, "demo", work.FullName,
                    Path.Combine(work.FullName, "client.json"),
                    new Dictionary<string, string?> { ["Executor:Verification:FailureGrace"] = "00:00:05" }), cancellationToken);
                var settings = ClientSettings.Resolve(url: platform.Url, configPath: platform.ClientConfigPath);
                using var admin = ApiClient.Create(settings, settings.Config.Tokens["admin"]);
                using var approver = ApiClient.Create(settings, settings.Config.Tokens["approver"]);
                await output.WriteLineAsync($"API at {platform.Url}. Two principals: 'admin' asks, 'approver' confirms.\n");

                await Step(output, admin, approver, 1, "scale api to 2 in staging",
                    "A small scale in a non-production namespace: policy approves it and nothing needs a human.", cancellationToken);
                await Step(output, admin, approver, 2, "kubectl set image deployment/api api=registry.k8s.io/example/api:1.5.0 -n production",
                    "An image update in production: policy requires confirmation, so the request waits until a second principal confirms.", cancellationToken);
                await Step(output, admin, approver, 3, "kubectl set image deployment/web web=registry.k8s.io/example/web:does-not-exist -n staging",
                    "An image that cannot be pulled: the executor sees ImagePullBackOff, reports the evidence, and the saga rolls the change back.", cancellationToken);

                await output.WriteLineAsync($"Done in {clock.Elapsed.TotalSeconds:0} s. Every step is in the tamper-evident audit log; `k8s-agent serve` runs the same platform until Ctrl-C.");
                return 0;
            }
            finally
            {
                work.Delete(recursive: true);
            }
        });
        return command;
    }

    private static async Task Step(TextWriter output, ApiClient admin, ApiClient approver, int number, string text, string why, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync($"{number}. admin asks: \"{text}\"");
        await output.WriteLineAsync($"   {why}");
        var accepted = await admin.SubmitAsync(text, cancellationToken: cancellationToken);
        var confirmed = false;
        while (true)
        {
            var request = await admin.GetRequestAsync(accepted.Id, cancellationToken);
            if (request.State == "AwaitingConfirmation" && !confirmed)
            {
                var verdict = request.Verdicts.FirstOrDefault(v => v.RequiresConfirmation);
                await output.WriteLineAsync($"   waiting for confirmation (policy risk {verdict?.PolicyRiskLevel}); approver confirms.");
                await approver.ConfirmAsync(accepted.Id, cancellationToken: cancellationToken);
                confirmed = true;
            }
            else if (request.Final)
            {
                await output.WriteLineAsync($"   -> {request.State}: {request.Outcome}");
                foreach (var evidence in request.Results.SelectMany(r => r.Evidence).Take(2))
                {
                    await output.WriteLineAsync($"      evidence: {evidence}");
                }

                await output.WriteLineAsync();
                return;
            }

            await Task.Delay(250, cancellationToken);
        }
    }
}
