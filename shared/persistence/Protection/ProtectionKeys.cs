namespace K8sAgentPlatform.Persistence.Protection;

/// <summary>Where the object protection key comes from: configuration (base64) or a key file made on first use.</summary>
public static class ProtectionKeys
{
    /// <summary>The key file beside a SQLite database: the database and its key travel together, readable by the owner only.</summary>
    public static string KeyFileBeside(string databasePath) => Path.GetFullPath(databasePath) + ".key";

    /// <summary>The key file for stores with no local file (MongoDB) when no key is configured: the user's config directory.</summary>
    public static string DefaultKeyFile() =>
        Path.Combine(PersistenceOptions.UserDirectory(Environment.SpecialFolder.ApplicationData), "k8s-agent", "persistence.key");

    public static byte[] FromBase64(string base64, string settingName)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{settingName} is not valid base64.");
        }

        return key.Length == AesGcmObjectProtector.KeySize
            ? key
            : throw new ArgumentException($"{settingName} must decode to {AesGcmObjectProtector.KeySize} bytes, not {key.Length}.");
    }

    /// <summary>
    /// Reads the key file, or creates it with a random key and mode 0600. Several processes starting together
    /// agree on one key: each writes a private temporary file and only the first rename into place wins.
    /// </summary>
    public static byte[] LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        path = Path.GetFullPath(path);
        if (File.Exists(path))
        {
            return Read(path);
        }

        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(AesGcmObjectProtector.KeySize);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(Convert.ToBase64String(key));
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(temporary, path, overwrite: false);
                return key;
            }
            catch (IOException) when (File.Exists(path))
            {
                return Read(path);
            }
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static byte[] Read(string path) => FromBase64(File.ReadAllText(path).Trim(), $"The key file {path}");
}
