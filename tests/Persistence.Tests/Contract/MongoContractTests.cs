using K8sAgentPlatform.Persistence.Mongo;
using K8sAgentPlatform.Persistence.Protection;
using MongoDB.Bson;
using MongoDB.Driver;

namespace K8sAgentPlatform.Persistence.Tests.Contract;

/// <summary>
/// The contract against a real MongoDB: <c>MONGODB_URI</c> when set, else a Testcontainers server when Docker is
/// there. With neither, every test here is reported SKIPPED with the reason; none passes without a server.
/// </summary>
public sealed class MongoContractTests(MongoServer server) : PersistenceContract, IClassFixture<MongoServer>
{
    protected override async Task<IStoreUnderTest> CreateAsync()
    {
        var connectionString = await server.ConnectionStringAsync();
        return new MongoStoreUnderTest(connectionString, Time);
    }
}

/// <summary>A fresh database on the test server, opened through two clients, as two processes would.</summary>
internal sealed class MongoStoreUnderTest : IStoreUnderTest
{
    private readonly MongoClient one;
    private readonly MongoClient two;
    private readonly string databaseName = "k8s_agent_test_" + Guid.NewGuid().ToString("N");
    private readonly AesGcmObjectProtector protector = new(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public MongoStoreUnderTest(string connectionString, TimeProvider time)
    {
        one = new MongoClient(connectionString);
        two = new MongoClient(connectionString);
        Snapshots = new MongoSnapshotStore(one.GetDatabase(databaseName), protector);
        OtherSnapshots = new MongoSnapshotStore(two.GetDatabase(databaseName), protector);
        Audit = new MongoAuditLog(one.GetDatabase(databaseName), TestData.Chain, time);
        OtherAudit = new MongoAuditLog(two.GetDatabase(databaseName), TestData.Chain, time);
        Executions = new MongoExecutionRecordStore(one.GetDatabase(databaseName));
        OtherExecutions = new MongoExecutionRecordStore(two.GetDatabase(databaseName));
    }

    public ISnapshotStore Snapshots { get; }

    public ISnapshotStore OtherSnapshots { get; }

    public IAuditLog Audit { get; }

    public IAuditLog OtherAudit { get; }

    public IExecutionRecordStore Executions { get; }

    public IExecutionRecordStore OtherExecutions { get; }

    private IMongoCollection<BsonDocument> SnapshotCollection => one.GetDatabase(databaseName).GetCollection<BsonDocument>(MongoMapping.SnapshotsCollection);

    private IMongoCollection<BsonDocument> AuditCollection => one.GetDatabase(databaseName).GetCollection<BsonDocument>(MongoMapping.AuditCollection);

    public async Task<string> RawSnapshotAsync(string id) =>
        (await SnapshotCollection.Find(new BsonDocument("_id", id)).SingleAsync()).ToJson();

    public Task<byte[]?> RawStorageAsync() => Task.FromResult<byte[]?>(null);

    public Task EditAuditDetailAsync(long sequence, string detail) =>
        AuditCollection.UpdateOneAsync(new BsonDocument("sequence", sequence), new BsonDocument("$set", new BsonDocument("detail", detail)));

    public async Task ReplaceAuditEntryAsync(AuditEntry entry)
    {
        var stored = await AuditCollection.Find(new BsonDocument("sequence", entry.Sequence)).SingleAsync();
        var replacement = MongoMapping.ToBson(entry);
        replacement["_id"] = stored["_id"];
        await AuditCollection.ReplaceOneAsync(new BsonDocument("_id", stored["_id"]), replacement);
    }

    public Task DeleteAuditEntryAsync(long sequence) => AuditCollection.DeleteOneAsync(new BsonDocument("sequence", sequence));

    public async Task SwapAuditEntriesAsync(long first, long second)
    {
        var a = await AuditCollection.Find(new BsonDocument("sequence", first)).SingleAsync();
        var b = await AuditCollection.Find(new BsonDocument("sequence", second)).SingleAsync();
        await AuditCollection.ReplaceOneAsync(new BsonDocument("_id", a["_id"]), Moved(b, a));
        await AuditCollection.ReplaceOneAsync(new BsonDocument("_id", b["_id"]), Moved(a, b));

        static BsonDocument Moved(BsonDocument content, BsonDocument place)
        {
            var moved = content.DeepClone().AsBsonDocument;
            moved["_id"] = place["_id"];
            moved["sequence"] = place["sequence"];
            return moved;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await one.DropDatabaseAsync(databaseName);
        one.Dispose();
        two.Dispose();
        protector.Dispose();
    }
}
