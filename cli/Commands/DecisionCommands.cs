using System.CommandLine;
using K8sAgentPlatform.Cli.Client;

namespace K8sAgentPlatform.Cli.Commands;

/// <summary>`confirm ID`, `reject ID [--reason R]` and `cancel ID`.</summary>
internal static class DecisionCommands
{
    public static Command Confirm() => Decision("confirm", "Confirm a request that awaits confirmation (needs the approver role).",
        (client, id, _, ct) => client.ConfirmAsync(id, Guid.NewGuid().ToString("N"), ct), "confirmation sent");

    public static Command Reject() => Decision("reject", "Reject a request that awaits confirmation (needs the approver role).",
        (client, id, reason, ct) => client.RejectAsync(id, reason, Guid.NewGuid().ToString("N"), ct), "rejection sent", withReason: true);

    public static Command Cancel() => Decision("cancel", "Cancel a request that has not finished; what it applied is rolled back.",
        (client, id, _, ct) => client.CancelAsync(id, Guid.NewGuid().ToString("N"), ct), "cancellation sent");

    private static Command Decision(string name, string description, Func<ApiClient, Guid, string?, CancellationToken, Task<Accepted>> send, string done, bool withReason = false)
    {
        var id = new Argument<string>("id") { Description = "The request id." };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the audit log)." };
        var command = new ClientCommand(name, description);
        command.Command.Arguments.Add(id);
        if (withReason)
        {
            command.Command.Options.Add(reason);
        }

        return command.Run(async (result, _, client, output, cancellationToken) =>
        {
            var requestId = ClientCommand.RequestId(result.GetValue(id)!);
            var accepted = await send(client, requestId, withReason ? result.GetValue(reason) : null, cancellationToken);
            output.Out.WriteLine($"{accepted.Id}: {done} (it was {accepted.State}); follow it with `k8s-agent requests show {accepted.Id}`.");
            return 0;
        });
    }
}
