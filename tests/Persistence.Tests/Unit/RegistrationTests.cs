using K8sAgentPlatform.Persistence.Mongo;
using K8sAgentPlatform.Persistence.Protection;
using K8sAgentPlatform.Persistence.Sqlite;
using K8sAgentPlatform.Persistence.Tests.Contract;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Persistence.Tests.Unit;

public sealed class RegistrationTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        directory.Dispose();
    }

    [Fact]
    public async Task AddSqlitePersistence_stores_in_the_file_and_keeps_its_key_beside_it()
    {
        var path = Path.Combine(directory.Path, "data", "agent.db");
        await using var provider = new ServiceCollection().AddSqlitePersistence(path).BuildServiceProvider();

        var snapshots = provider.GetRequiredService<ISnapshotStore>();
        var audit = provider.GetRequiredService<IAuditLog>();
        await snapshots.SaveAsync(TestData.SecretSnapshot("snap-di"));
        await audit.AppendAsync(new AuditRecord("snapshot.saved", "executor"));

        snapshots.ShouldBeOfType<SqliteSnapshotStore>();
        audit.ShouldBeOfType<SqliteAuditLog>();
        provider.GetRequiredService<IExecutionRecordStore>().ShouldBeOfType<SqliteExecutionRecordStore>();
        File.Exists(path).ShouldBeTrue();
        var keyFile = path + ".key";
        File.Exists(keyFile).ShouldBeTrue();
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(keyFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        (await snapshots.GetAsync("snap-di"))!.ObjectJson.ShouldBe(TestData.SecretSnapshot("snap-di").ObjectJson);
        (await audit.VerifyAsync()).Intact.ShouldBeTrue();
    }

    [Fact]
    public async Task AddPersistence_reads_the_sqlite_path_and_configured_key()
    {
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var path = Path.Combine(directory.Path, "configured.db");
        using var host = Build(new()
        {
            ["Persistence:Provider"] = "sqlite",
            ["Persistence:SqlitePath"] = path,
            ["Persistence:EncryptionKey"] = Convert.ToBase64String(key),
        });
        await host.StartAsync();

        var store = host.Services.GetRequiredService<ISnapshotStore>();
        var secret = TestData.SecretSnapshot("snap-key");
        await store.SaveAsync(secret);

        using var sameKey = new AesGcmObjectProtector(key);
        (await new SqliteSnapshotStore(new SqliteDatabase(path), sameKey).GetAsync("snap-key")).ShouldBe(secret);
        File.Exists(path + ".key").ShouldBeFalse();
        await host.StopAsync();
    }

    [Fact]
    public void AddPersistence_chooses_mongodb_by_configuration_without_connecting()
    {
        using var host = Build(new()
        {
            ["Persistence:Provider"] = "MongoDB",
            ["Persistence:MongoConnectionString"] = "mongodb://127.0.0.1:27017",
            ["Persistence:MongoDatabase"] = "k8s_agent",
            ["Persistence:KeyFile"] = Path.Combine(directory.Path, "mongo.key"),
        });

        host.Services.GetRequiredService<ISnapshotStore>().ShouldBeOfType<MongoSnapshotStore>();
        host.Services.GetRequiredService<IAuditLog>().ShouldBeOfType<MongoAuditLog>();
        host.Services.GetRequiredService<IExecutionRecordStore>().ShouldBeOfType<MongoExecutionRecordStore>();
        File.Exists(Path.Combine(directory.Path, "mongo.key")).ShouldBeTrue();
    }

    [Fact]
    public async Task AddMongoPersistence_registers_the_mongo_stores_and_validates_at_start()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddMongoPersistence("mongodb://127.0.0.1:27017", "k8s_agent");
        using var host = builder.Build();

        await host.StartAsync();

        host.Services.GetRequiredService<IAuditLog>().ShouldBeOfType<MongoAuditLog>();
        host.Services.GetRequiredService<IExecutionRecordStore>().ShouldBeOfType<MongoExecutionRecordStore>();
        host.Services.GetRequiredService<IOptions<PersistenceOptions>>().Value.MongoDatabase.ShouldBe("k8s_agent");
        await host.StopAsync();
    }

    [Theory]
    [InlineData("Provider", "postgres", null, "Persistence:Provider must be sqlite or mongodb")]
    [InlineData("Provider", "mongodb", null, "Persistence:MongoConnectionString is required")]
    [InlineData("MongoConnectionString", "http://not-mongo", "mongodb", "Persistence:MongoConnectionString is not a MongoDB connection string")]
    [InlineData("EncryptionKey", "c2hvcnQ=", null, "Persistence:EncryptionKey must decode to 32 bytes")]
    [InlineData("SqlitePath", " ", null, "Persistence:SqlitePath must name the SQLite file")]
    public async Task Bad_configuration_fails_at_start_naming_the_key(string key, string value, string? provider, string expected)
    {
        var settings = new Dictionary<string, string?> { ["Persistence:" + key] = value };
        if (provider is not null)
        {
            settings["Persistence:Provider"] = provider;
            settings["Persistence:MongoDatabase"] = "k8s_agent";
        }

        using var host = Build(settings);

        var failure = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());
        failure.Message.ShouldContain(expected);
    }

    [Fact]
    public async Task A_mongodb_provider_without_a_database_names_that_key_too()
    {
        using var host = Build(new() { ["Persistence:Provider"] = "mongodb" });

        var failure = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        failure.Failures.ShouldContain(f => f.Contains("Persistence:MongoConnectionString"));
        failure.Failures.ShouldContain(f => f.Contains("Persistence:MongoDatabase"));
    }

    [Fact]
    public void The_default_sqlite_file_is_in_the_users_data_directory()
    {
        var options = new PersistenceOptions();

        options.Provider.ShouldBe("sqlite");
        Path.IsPathFullyQualified(options.SqlitePath).ShouldBeTrue();
        options.SqlitePath.ShouldEndWith(Path.Combine("k8s-agent", "k8s-agent.db"));
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddPersistence(builder.Configuration);
        return builder.Build();
    }
}
