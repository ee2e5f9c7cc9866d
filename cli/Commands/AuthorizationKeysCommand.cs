using System.CommandLine;
using K8sAgentPlatform.Security;

namespace K8sAgentPlatform.Cli.Commands;

/// <summary>`authorization-keys --out DIR`: the key pair the saga signs with and the executor and rollback verify with.</summary>
internal static class AuthorizationKeysCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory for authorization.pem (private, owner-only) and authorization.pub.pem.", Required = true };
        var command = new Command("authorization-keys", "Make the ECDSA P-256 key pair of the signed authorizations for a deployment:\n" +
            "authorization.pem goes to the orchestrator only (Authorization:SigningKeyFile), authorization.pub.pem to the executor\n" +
            "and the rollback service (Authorization:VerificationKeyFiles). An existing pair is kept, never overwritten. `serve` makes its own.")
        {
            output,
        };
        command.SetAction(result =>
        {
            var directory = result.GetValue(output)!;
            var signing = Path.Combine(directory.FullName, "authorization.pem");
            var existed = File.Exists(signing);
            AuthorizationKeys.EnsureKeyPair(signing);
            using var key = AuthorizationKeys.Load(signing);
            var writer = result.InvocationConfiguration.Output;
            writer.WriteLine($"{(existed ? "kept" : "made")}: {signing} (private: the orchestrator only)");
            writer.WriteLine($"       {AuthorizationKeys.PublicKeyPath(signing)} (public: executor and rollback)");
            writer.WriteLine($"key id: {AuthorizationKeys.KeyId(key)}");
            return 0;
        });
        return command;
    }
}
