using K8sAgentPlatform.Persistence.Mongo;
using K8sAgentPlatform.Persistence.Protection;
using K8sAgentPlatform.Persistence.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace K8sAgentPlatform.Persistence;

public static class PersistenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ISnapshotStore"/>, <see cref="IAuditLog"/>, <see cref="IExecutionRecordStore"/> and <see cref="IObjectProtector"/> on the store
    /// named by the <c>Persistence</c> section (<see cref="PersistenceOptions"/>), checked at start: a bad section
    /// fails the host naming the key.
    /// </summary>
    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // BindConfiguration reads IConfiguration from the container; a bare ServiceCollection (the CLI) has none.
        services.TryAddSingleton(configuration);
        services.AddOptions<PersistenceOptions>()
            .BindConfiguration(PersistenceOptions.Section)
            .ValidateOnStart();
        return services.AddStores();
    }

    /// <summary>The embedded store: one SQLite file at <paramref name="path"/>, its protection key beside it.</summary>
    public static IServiceCollection AddSqlitePersistence(this IServiceCollection services, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        services.AddOptions<PersistenceOptions>()
            .Configure(options =>
            {
                options.Provider = PersistenceOptions.Sqlite;
                options.SqlitePath = path;
            })
            .ValidateOnStart();
        return services.AddStores();
    }

    /// <summary>The production store: MongoDB at <paramref name="connectionString"/>, database <paramref name="database"/>.</summary>
    public static IServiceCollection AddMongoPersistence(this IServiceCollection services, string connectionString, string database)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        services.AddOptions<PersistenceOptions>()
            .Configure(options =>
            {
                options.Provider = PersistenceOptions.MongoDb;
                options.MongoConnectionString = connectionString;
                options.MongoDatabase = database;
            })
            .ValidateOnStart();
        return services.AddStores();
    }

    private static IServiceCollection AddStores(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PersistenceOptions>, PersistenceOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => new ProtectionKey(ResolveProtectionKey(Options(provider))));
        services.TryAddSingleton<IObjectProtector>(provider => new AesGcmObjectProtector(provider.GetRequiredService<ProtectionKey>().Bytes));
        services.TryAddSingleton(provider => new AuditChain(Options(provider).AuditKey is { } auditKey
            ? AuditKey.FromBase64(auditKey, $"{PersistenceOptions.Section}:{nameof(PersistenceOptions.AuditKey)}")
            : AuditKey.DeriveFrom(provider.GetRequiredService<ProtectionKey>().Bytes)));
        services.TryAddSingleton(provider => new SqliteDatabase(Options(provider).SqlitePath));
        services.TryAddSingleton<IMongoClient>(provider => new MongoClient(Options(provider).MongoConnectionString));
        services.TryAddSingleton(provider => provider.GetRequiredService<IMongoClient>().GetDatabase(Options(provider).MongoDatabase));
        services.TryAddSingleton<ISnapshotStore>(provider => IsMongo(provider)
            ? new MongoSnapshotStore(provider.GetRequiredService<IMongoDatabase>(), provider.GetRequiredService<IObjectProtector>())
            : new SqliteSnapshotStore(provider.GetRequiredService<SqliteDatabase>(), provider.GetRequiredService<IObjectProtector>()));
        services.TryAddSingleton<IAuditLog>(provider => IsMongo(provider)
            ? new MongoAuditLog(provider.GetRequiredService<IMongoDatabase>(), provider.GetRequiredService<AuditChain>(), provider.GetRequiredService<TimeProvider>())
            : new SqliteAuditLog(provider.GetRequiredService<SqliteDatabase>(), provider.GetRequiredService<AuditChain>(), provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IExecutionRecordStore>(provider => IsMongo(provider)
            ? new MongoExecutionRecordStore(provider.GetRequiredService<IMongoDatabase>())
            : new SqliteExecutionRecordStore(provider.GetRequiredService<SqliteDatabase>()));
        return services;
    }

    private static PersistenceOptions Options(IServiceProvider provider) => provider.GetRequiredService<IOptions<PersistenceOptions>>().Value;

    private static bool IsMongo(IServiceProvider provider) =>
        string.Equals(Options(provider).Provider.Trim(), PersistenceOptions.MongoDb, StringComparison.OrdinalIgnoreCase);

    /// <summary>The object protection key, read once: the protector and the audit chain's key both come from it.</summary>
    private sealed record ProtectionKey(byte[] Bytes);

    private static byte[] ResolveProtectionKey(PersistenceOptions options)
    {
        if (options.EncryptionKey is not null)
        {
            return ProtectionKeys.FromBase64(options.EncryptionKey, $"{PersistenceOptions.Section}:{nameof(options.EncryptionKey)}");
        }

        var keyFile = options.KeyFile
            ?? (string.Equals(options.Provider.Trim(), PersistenceOptions.MongoDb, StringComparison.OrdinalIgnoreCase)
                ? ProtectionKeys.DefaultKeyFile()
                : ProtectionKeys.KeyFileBeside(options.SqlitePath));
        return ProtectionKeys.LoadOrCreate(keyFile);
    }
}
