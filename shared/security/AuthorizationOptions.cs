using System.ComponentModel.DataAnnotations;

namespace K8sAgentPlatform.Security;

/// <summary>
/// Keys of the signed authorizations (section "Authorization"). The orchestrator holds the private key
/// (<see cref="SigningKeyFile"/>); the executor and the rollback service hold public keys only
/// (<see cref="VerificationKeyFiles"/>, several during a rotation). Make a pair with <c>k8s-agent authorization-keys</c>.
/// </summary>
public sealed class AuthorizationOptions
{
    public const string Section = "Authorization";

    /// <summary>PEM (PKCS#8) ECDSA P-256 private key the saga signs with; only the orchestrator has it.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>PEM public keys the executor and the rollback service accept; each key is known by its id (a hash of it).</summary>
    public List<string> VerificationKeyFiles { get; set; } = [];

    /// <summary>How long an authorization stays valid after the saga signs it (a command waiting in a queue longer is refused).</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(15);
}
