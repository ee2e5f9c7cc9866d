using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Persistence;

/// <summary>The <c>Persistence</c> configuration section: which store, and where.</summary>
public sealed class PersistenceOptions
{
    public const string Section = "Persistence";
    public const string Sqlite = "sqlite";
    public const string MongoDb = "mongodb";

    /// <summary><c>sqlite</c> (the embedded default) or <c>mongodb</c>.</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>The SQLite file; defaults to <c>k8s-agent/k8s-agent.db</c> in the user's data directory.</summary>
    public string SqlitePath { get; set; } = DefaultSqlitePath();

    public string? MongoConnectionString { get; set; }

    public string? MongoDatabase { get; set; }

    /// <summary>Base64 of the 32-byte AES-256 key that protects Secret snapshots. Every process that reads them needs the same key.</summary>
    public string? EncryptionKey { get; set; }

    /// <summary>
    /// A file holding that key in base64, created (mode 0600) on first use when missing. Defaults to the SQLite file
    /// plus <c>.key</c>, or <c>k8s-agent/persistence.key</c> in the user's config directory for MongoDB.
    /// </summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// Base64 of at least 32 random bytes keying the audit chain's HMAC. Every process that writes or verifies the
    /// audit log needs the same one; unset, it is derived from the protection key (<see cref="EncryptionKey"/> or
    /// <see cref="KeyFile"/>), which suits one process or processes that all hold that key.
    /// </summary>
    public string? AuditKey { get; set; }

    public static string DefaultSqlitePath() =>
        System.IO.Path.Combine(UserDirectory(Environment.SpecialFolder.LocalApplicationData), "k8s-agent", "k8s-agent.db");

    internal static string UserDirectory(Environment.SpecialFolder folder)
    {
        var directory = Environment.GetFolderPath(folder, Environment.SpecialFolderOption.DoNotVerify);
        return string.IsNullOrEmpty(directory) ? System.IO.Path.GetFullPath(".") : directory;
    }
}

/// <summary>Checks the section at start; every failure names the configuration key to fix.</summary>
public sealed class PersistenceOptionsValidator : IValidateOptions<PersistenceOptions>
{
    public ValidateOptionsResult Validate(string? name, PersistenceOptions options)
    {
        var failures = new List<string>();
        var provider = options.Provider?.Trim().ToLowerInvariant();
        const string key = PersistenceOptions.Section + ":";
        switch (provider)
        {
            case PersistenceOptions.Sqlite:
                if (string.IsNullOrWhiteSpace(options.SqlitePath))
                {
                    failures.Add($"{key}{nameof(options.SqlitePath)} must name the SQLite file when {key}{nameof(options.Provider)} is sqlite.");
                }

                break;
            case PersistenceOptions.MongoDb:
                if (string.IsNullOrWhiteSpace(options.MongoConnectionString))
                {
                    failures.Add($"{key}{nameof(options.MongoConnectionString)} is required when {key}{nameof(options.Provider)} is mongodb.");
                }
                else if (!IsMongoUrl(options.MongoConnectionString))
                {
                    failures.Add($"{key}{nameof(options.MongoConnectionString)} is not a MongoDB connection string (mongodb:// or mongodb+srv://).");
                }

                if (string.IsNullOrWhiteSpace(options.MongoDatabase))
                {
                    failures.Add($"{key}{nameof(options.MongoDatabase)} is required when {key}{nameof(options.Provider)} is mongodb.");
                }

                break;
            default:
                failures.Add($"{key}{nameof(options.Provider)} must be sqlite or mongodb, not '{options.Provider}'.");
                break;
        }

        if (options.EncryptionKey is not null)
        {
            try
            {
                Protection.ProtectionKeys.FromBase64(options.EncryptionKey, key + nameof(options.EncryptionKey));
            }
            catch (ArgumentException e)
            {
                failures.Add(e.Message);
            }
        }

        if (options.AuditKey is not null)
        {
            try
            {
                K8sAgentPlatform.Persistence.AuditKey.FromBase64(options.AuditKey, key + nameof(options.AuditKey));
            }
            catch (ArgumentException e)
            {
                failures.Add(e.Message);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsMongoUrl(string value)
    {
        try
        {
            _ = MongoDB.Driver.MongoUrl.Create(value);
            return true;
        }
        catch (Exception e) when (e is MongoDB.Driver.MongoConfigurationException or ArgumentException or FormatException)
        {
            return false;
        }
    }
}
