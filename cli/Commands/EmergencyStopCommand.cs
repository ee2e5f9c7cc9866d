using System.CommandLine;
using K8sAgentPlatform.Cli.Client;

namespace K8sAgentPlatform.Cli.Commands;

/// <summary>`emergency-stop [--resume] [--reason R]` and `status`.</summary>
internal static class EmergencyStopCommand
{
    public static Command Create()
    {
        var resume = new Option<bool>("--resume") { Description = "Lift the stop: held requests go on." };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the audit log and shown by `status`)." };
        var command = new ClientCommand("emergency-stop", "Stop the whole platform at once (admin): no operation starts, remediation submits nothing;\n" +
            "rollbacks that compensate a failure still run. Requests wait in their state and go on after --resume.");
        command.Command.Options.Add(resume);
        command.Command.Options.Add(reason);
        return command.Run(async (result, _, client, output, cancellationToken) =>
        {
            if (result.GetValue(resume) && result.GetValue(reason) is not null)
            {
                throw new UsageException("--reason goes with a stop, not with --resume.");
            }

            var status = result.GetValue(resume)
                ? await client.ResumeAsync(cancellationToken)
                : await client.EmergencyStopAsync(result.GetValue(reason), cancellationToken);
            Print(output.Out, status);
            return 0;
        });
    }

    public static Command Status()
    {
        var command = new ClientCommand("status", "Whether the platform is stopped (by whom, why, since when) and how many requests wait for the resume.");
        return command.Run(async (_, _, client, output, cancellationToken) =>
        {
            Print(output.Out, await client.StatusAsync(cancellationToken));
            return 0;
        });
    }

    private static void Print(TextWriter output, PlatformStatus status)
    {
        var stop = status.EmergencyStop;
        output.WriteLine(stop.Stopped
            ? $"STOPPED by {stop.By} since {stop.Since:u}: {stop.Reason ?? "no reason given"}. {status.HeldRequests} request(s) held; resume with `k8s-agent emergency-stop --resume`."
            : $"running{(stop.By is null ? "" : $" (last stop lifted by {stop.By} at {stop.Since:u})")}.");
    }
}
