using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Security;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.TestSupport;

/// <summary>One authorization key pair per test process, as the orchestrator and the executor are given them.</summary>
public static class TestAuthorizationKeys
{
    private static readonly Lazy<string> Pair = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"k8s-agent-test-keys-{Environment.ProcessId}", "authorization.pem");
        AuthorizationKeys.EnsureKeyPair(path);
        return path;
    });

    public static string SigningKeyFile => Pair.Value;

    public static string VerificationKeyFile => AuthorizationKeys.PublicKeyPath(Pair.Value);

    /// <summary>Configuration entries for a process that both signs and verifies (the embedded platform, harness tests).</summary>
    public static IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Authorization:SigningKeyFile"] = SigningKeyFile,
        ["Authorization:VerificationKeyFiles:0"] = VerificationKeyFile,
    };

    /// <summary>A signer with the test key, for tests that play the saga.</summary>
    public static AuthorizationSigner Signer(TimeProvider? time = null) =>
        new(Options.Create(new AuthorizationOptions { SigningKeyFile = SigningKeyFile }), time ?? TimeProvider.System);

    /// <summary>The command as the saga sends it: signed for exactly its operation and resourceVersion.</summary>
    public static ExecuteOperation Signed(ExecuteOperation command, TimeProvider? time = null)
    {
        using var signer = Signer(time);
        return command with
        {
            Authorization = signer.Sign(command.RequestId, command.Index, AuthorizationSubjects.Execute,
                AuthorizationCanonical.OperationHash(command.Operation), command.ExpectedResourceVersion, "test-verdicts", []),
        };
    }

    /// <summary>The restore as the saga sends it, signed.</summary>
    public static RollbackRequested Signed(RollbackRequested restore, TimeProvider? time = null)
    {
        using var signer = Signer(time);
        return restore with
        {
            Authorization = signer.Sign(restore.RequestId, restore.OperationIndex ?? -1, AuthorizationSubjects.Rollback,
                AuthorizationCanonical.RestoreHash(restore), null, "test-verdicts", []),
        };
    }
}
