using System.CommandLine;
using K8sAgentPlatform.Cli.Client;
using Spectre.Console;

namespace K8sAgentPlatform.Cli.Commands;

/// <summary>`rollback (--snapshot ID | --resource TYPE/NAME -n NS)`.</summary>
internal static class RollbackCommand
{
    /// <param name="terminal">As for <see cref="AskCommand.Create"/>.</param>
    public static Command Create(Func<bool, IAnsiConsole?>? terminal = null)
    {
        var snapshot = new Option<string?>("--snapshot") { Description = "The snapshot to restore (see `k8s-agent snapshots`)." };
        var resource = new Option<string?>("--resource") { Description = "TYPE/NAME, e.g. deployment/web: restore its latest snapshot not yet restored." };
        var @namespace = new Option<string?>("--namespace", "-n") { Description = "The resource's namespace (with --resource)." };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the audit log)." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Confirm without asking when confirmation is needed (with the approver token if the default one cannot)." };
        var json = new Option<bool>("--json") { Description = "Print the final request as JSON (progress goes to stderr)." };
        var command = new ClientCommand("rollback", "Restore a snapshot taken before a change. A rollback is a request like any other: the same policy\n" +
            "checks as a change of that object (a production restore needs confirmation, four-eyes where the risk asks for it),\n" +
            "audited, followed to its end like `ask`. Exit codes: 0 Completed, 1 any other final state, 2 usage, input or connection errors,\n" +
            "130 stopped following with Ctrl-C (the request goes on).");
        command.Command.Options.Add(snapshot);
        command.Command.Options.Add(resource);
        command.Command.Options.Add(@namespace);
        command.Command.Options.Add(reason);
        command.Command.Options.Add(yes);
        command.Command.Options.Add(json);
        terminal ??= TerminalFollowView.Detect;
        return command.Run(async (result, settings, client, output, cancellationToken) =>
        {
            var snapshotId = result.GetValue(snapshot);
            var target = result.GetValue(resource);
            if ((snapshotId is null) == (target is null))
            {
                throw new UsageException("give exactly one of --snapshot ID and --resource TYPE/NAME (with -n NAMESPACE).");
            }

            RollbackAccepted accepted;
            if (snapshotId is not null)
            {
                accepted = await client.RollbackSnapshotAsync(snapshotId, result.GetValue(reason), Guid.NewGuid().ToString("N"), cancellationToken);
            }
            else
            {
                var parts = target!.Split('/');
                if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                {
                    throw new UsageException($"--resource must be TYPE/NAME, e.g. deployment/web (got '{target}').");
                }

                accepted = await client.RollbackResourceAsync(parts[0].ToLowerInvariant(), result.GetValue(@namespace), parts[1], result.GetValue(reason),
                    Guid.NewGuid().ToString("N"), cancellationToken);
            }

            var asJson = result.GetValue(json);
            var view = AskCommand.View(terminal(asJson), asJson, output);
            view.Line($"Rollback request {accepted.RollbackId} submitted (snapshot {accepted.SnapshotId}).");
            return await AskCommand.FollowAsync(accepted.RollbackId, settings, client, result.GetValue(yes), asJson, output, view, cancellationToken);
        });
    }
}
