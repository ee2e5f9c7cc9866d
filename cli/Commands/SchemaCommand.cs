using System.CommandLine;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Cli.Commands;

internal static class SchemaCommand
{
    public static Command Create()
    {
        var command = new Command("schema", "Print the strict JSON schema of the intent model (the one sent to the model).");
        command.SetAction(result =>
        {
            result.InvocationConfiguration.Output.WriteLine(IntentSchema.Json);
            return 0;
        });
        return command;
    }
}
