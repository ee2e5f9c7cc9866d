using System.Security.Cryptography;
using System.Text;

namespace K8sAgentPlatform.Persistence;

/// <summary>
/// The key of the audit chain's HMAC, never in the database, so a database writer cannot recompute the chain. Derived
/// (HKDF-SHA256) from <c>Persistence:AuditKey</c> when set (deployments where a service that writes audit entries must
/// not hold the snapshot key), else from the object protection key (a key file or <c>Persistence:EncryptionKey</c>).
/// </summary>
public sealed class AuditKey
{
    private static readonly byte[] Purpose = Encoding.UTF8.GetBytes("k8s-agent audit chain v2");

    public const int Size = 32;

    private AuditKey(byte[] bytes) => Bytes = bytes;

    internal byte[] Bytes { get; }

    /// <summary>The key from <c>Persistence:AuditKey</c>: base64 of at least <see cref="Size"/> bytes, derived the same way.</summary>
    public static AuditKey FromBase64(string base64, string settingName)
    {
        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{settingName} is not valid base64.");
        }

        return secret.Length >= Size
            ? DeriveFrom(secret)
            : throw new ArgumentException($"{settingName} must decode to at least {Size} bytes, not {secret.Length}.");
    }

    public static AuditKey DeriveFrom(byte[] protectionKey)
    {
        ArgumentNullException.ThrowIfNull(protectionKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(protectionKey.Length, Size, nameof(protectionKey));
        return new AuditKey(HKDF.DeriveKey(HashAlgorithmName.SHA256, protectionKey, Size, salt: null, info: Purpose));
    }
}
