using System.CommandLine;
using K8sAgentPlatform.Cli.Client;

namespace K8sAgentPlatform.Cli.Commands;

/// <summary>`rollback (--snapshot ID | --resource TYPE/NAME -n NS)`.</summary>
internal static class RollbackCommand
{
    public static Command Create()
    {
        var snapshot = new Option<string?>("--snapshot") { Description = "The snapshot to restore (see `k8s-agent snapshots`)." };
        var resource = new Option<string?>("--resource") { Description = "TYPE/NAME, e.g. deployment/web: restore its latest snapshot not yet restored." };
        var @namespace = new Option<string?>("--namespace", "-n") { Description = "The resource's namespace (with --resource)." };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the audit log)." };
        var command = new ClientCommand("rollback", "Restore a snapshot taken before a change; rollbacks pass the same policy checks as changes.");
        command.Command.Options.Add(snapshot);
        command.Command.Options.Add(resource);
        command.Command.Options.Add(@namespace);
        command.Command.Options.Add(reason);
        return command.Run(async (result, _, client, output, cancellationToken) =>
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

            output.Out.WriteLine($"Rollback {accepted.RollbackId} requested; see `k8s-agent audit` and `k8s-agent snapshots` for its outcome.");
            return 0;
        });
    }
}
