using System.Security.Cryptography;
using System.Text;

namespace K8sAgentPlatform.Persistence;

/// <summary>
/// The key of the audit chain's HMAC. It is derived (HKDF-SHA256) from the object protection key, which lives in a key
/// file or the <c>Persistence:EncryptionKey</c> setting and never in the database; so a database writer cannot
/// recompute the chain, and every process that already shares that key verifies the same chain without a new secret.
/// </summary>
public sealed class AuditKey
{
    private static readonly byte[] Purpose = Encoding.UTF8.GetBytes("k8s-agent audit chain v2");

    public const int Size = 32;

    private AuditKey(byte[] bytes) => Bytes = bytes;

    internal byte[] Bytes { get; }

    public static AuditKey DeriveFrom(byte[] protectionKey)
    {
        ArgumentNullException.ThrowIfNull(protectionKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(protectionKey.Length, Size, nameof(protectionKey));
        return new AuditKey(HKDF.DeriveKey(HashAlgorithmName.SHA256, protectionKey, Size, salt: null, info: Purpose));
    }
}
