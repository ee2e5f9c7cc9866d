using System.Security.Cryptography;
using System.Text;

namespace K8sAgentPlatform.Persistence.Protection;

/// <summary>
/// AES-256-GCM with a fresh 96-bit nonce per value; the text form is <c>aesgcm1:</c> + base64(nonce | tag | ciphertext).
/// Safe for concurrent use: an <see cref="AesGcm"/> instance is not, so each call makes its own.
/// </summary>
public sealed class AesGcmObjectProtector : IObjectProtector, IDisposable
{
    public const string Prefix = "aesgcm1:";
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] key;

    public AesGcmObjectProtector(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"The object protection key must be {KeySize} bytes (AES-256), not {key.Length}.", nameof(key));
        }

        this.key = key.ToArray();
    }

    public string Protect(string plaintext, string context)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(context);
        var clear = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + TagSize + clear.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, clear, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), Encoding.UTF8.GetBytes(context));
        CryptographicOperations.ZeroMemory(clear);
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    public string Unprotect(string protectedValue, string context)
    {
        ArgumentNullException.ThrowIfNull(protectedValue);
        ArgumentNullException.ThrowIfNull(context);
        if (!protectedValue.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new ObjectProtectionException("The value is not an aesgcm1 protected value.");
        }

        byte[] sealedBytes;
        try
        {
            sealedBytes = Convert.FromBase64String(protectedValue[Prefix.Length..]);
        }
        catch (FormatException e)
        {
            throw new ObjectProtectionException("The protected value is not valid base64.", e);
        }

        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new ObjectProtectionException("The protected value is too short.");
        }

        var clear = new byte[sealedBytes.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), clear, Encoding.UTF8.GetBytes(context));
        }
        catch (CryptographicException e)
        {
            throw new ObjectProtectionException("The protected value does not open with this key (another key, another document, or altered bytes).", e);
        }

        return Encoding.UTF8.GetString(clear);
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(key);
}
