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
    /// Reads the key file, or creates it with a random key and mode 0600. Several processes (or threads) starting together
    /// agree on one key: the file is created exclusively (O_EXCL), so exactly one of them writes it and the others read
    /// what it wrote. (A private temporary file renamed into place with File.Move(overwrite: false) let two writers both
    /// "win" about one time in fifteen here: the rename did not refuse an existing target.)
    /// </summary>
    public static byte[] LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(AesGcmObjectProtector.KeySize);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.Read };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var stream = new FileStream(path, options);
                // One write of the whole text, so a reader sees the file empty or complete, never half of the key.
                stream.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(key)));
                stream.Flush(flushToDisk: true);
                return key;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another writer created it first: read its key below.
            }
        }

        return ReadWhenWritten(path);
    }

    /// <summary>
    /// The key in the file; an empty file is one another writer has created and not written yet, so it is read again for
    /// up to <see cref="WriterGrace"/> before the file is reported as empty.
    /// </summary>
    private static byte[] ReadWhenWritten(string path)
    {
        var deadline = DateTime.UtcNow + WriterGrace;
        string text;
        while ((text = File.ReadAllText(path).Trim()).Length == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"The key file {path} is empty: a process stopped while creating it. If nothing was stored with it yet, delete it to create a new key.");
            }

            Thread.Sleep(10);
        }

        return FromBase64(text, $"The key file {path}");
    }

    private static readonly TimeSpan WriterGrace = TimeSpan.FromSeconds(5);
}
