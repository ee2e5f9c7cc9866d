using System.Security.Cryptography;

namespace K8sAgentPlatform.Security;

/// <summary>ECDSA P-256 key pairs as PEM files, and the id a key is known by (the first 16 hex digits of the SHA-256 of its public key).</summary>
public static class AuthorizationKeys
{
    /// <summary>The public key file written beside a private key file.</summary>
    public static string PublicKeyPath(string signingKeyFile) => Path.ChangeExtension(signingKeyFile, ".pub.pem");

    /// <summary>Creates a key pair at <paramref name="signingKeyFile"/> (owner-only) and its public half beside it, unless it exists.</summary>
    public static void EnsureKeyPair(string signingKeyFile)
    {
        if (File.Exists(signingKeyFile))
        {
            if (!File.Exists(PublicKeyPath(signingKeyFile)))
            {
                using var existing = Load(signingKeyFile);
                File.WriteAllText(PublicKeyPath(signingKeyFile), existing.ExportSubjectPublicKeyInfoPem());
            }

            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(signingKeyFile))!);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(new FileStream(signingKeyFile, options)))
        {
            writer.Write(key.ExportPkcs8PrivateKeyPem());
        }

        File.WriteAllText(PublicKeyPath(signingKeyFile), key.ExportSubjectPublicKeyInfoPem());
    }

    /// <summary>A key from a PEM file: the private key (PKCS#8) or, for verifiers, the public key only.</summary>
    public static ECDsa Load(string path)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(path));
        return key;
    }

    public static string KeyId(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
}
