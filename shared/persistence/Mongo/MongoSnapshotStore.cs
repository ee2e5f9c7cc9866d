using K8sAgentPlatform.Persistence.Protection;
using MongoDB.Bson;
using MongoDB.Driver;

namespace K8sAgentPlatform.Persistence.Mongo;

/// <summary>Snapshots in the <c>snapshots</c> collection, one document each, the object nested (or sealed for Secrets).</summary>
public sealed class MongoSnapshotStore(IMongoDatabase database, IObjectProtector protector) : ISnapshotStore
{
    private static readonly BsonDocument NewestFirst = new() { { "captured_at", -1 }, { "_id", -1 } };

    private readonly IndexedCollection snapshots = new(database, MongoMapping.SnapshotsCollection, MongoMapping.SnapshotIndexes);

    public async Task<SnapshotDocument> SaveAsync(SnapshotDocument snapshot, CancellationToken cancellationToken = default)
    {
        SnapshotPayload.Validate(snapshot);
        var collection = await snapshots.GetAsync(cancellationToken);
        try
        {
            await collection.InsertOneAsync(MongoMapping.ToBson(snapshot, protector), cancellationToken: cancellationToken);
        }
        catch (MongoWriteException e) when (IndexedCollection.IsDuplicateKey(e))
        {
            // A redelivery: the first pre-change state stays. A clash on _id alone finds nothing below and throws.
        }

        return await FindForOperationAsync(snapshot.RequestId, snapshot.OperationIndex, cancellationToken)
            ?? throw new InvalidOperationException($"Snapshot id {snapshot.Id} is already used by another operation.");
    }

    public async Task<SnapshotDocument?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return await FirstAsync(new BsonDocument("_id", id), cancellationToken);
    }

    public Task<SnapshotDocument?> FindForOperationAsync(Guid requestId, int operationIndex, CancellationToken cancellationToken = default) =>
        FirstAsync(new BsonDocument { { "request_id", MongoMapping.Uuid(requestId) }, { "operation_index", operationIndex } }, cancellationToken);

    public Task<SnapshotDocument?> LatestUnconsumedAsync(string kind, string? @namespace, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(name);
        return FirstAsync(
            new BsonDocument
            {
                { "namespace", @namespace is null ? BsonNull.Value : @namespace },
                { "kind", kind },
                { "name", name },
                { "consumed", false },
            },
            cancellationToken);
    }

    public async Task<IReadOnlyList<SnapshotDocument>> ListAsync(SnapshotQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        var filter = new BsonDocument();
        if (query.Namespace is not null)
        {
            filter.Add("namespace", query.Namespace);
        }

        if (query.Kind is not null)
        {
            filter.Add("kind", query.Kind);
        }

        if (query.Name is not null)
        {
            filter.Add("name", query.Name);
        }

        if (query.RequestId is { } requestId)
        {
            filter.Add("request_id", MongoMapping.Uuid(requestId));
        }

        if (query.Consumed is { } consumed)
        {
            filter.Add("consumed", consumed);
        }

        var collection = await snapshots.GetAsync(cancellationToken);
        var documents = await collection.Find(filter).Sort(NewestFirst).Limit(query.Limit).ToListAsync(cancellationToken);
        return documents.Select(d => MongoMapping.SnapshotFromBson(d, protector)).ToList();
    }

    public async Task<bool> MarkConsumedAsync(string id, DateTimeOffset restoredAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        var collection = await snapshots.GetAsync(cancellationToken);
        // The filter on consumed: false makes the single-document update the arbiter: one caller modifies it.
        var result = await collection.UpdateOneAsync(
            new BsonDocument { { "_id", id }, { "consumed", false } },
            new BsonDocument("$set", new BsonDocument { { "consumed", true }, { "restored_at", MongoMapping.Date(restoredAt) } }),
            cancellationToken: cancellationToken);
        return result.ModifiedCount == 1;
    }

    public async Task<bool> RecordAfterAsync(string id, string afterJson, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(afterJson);
        if (await GetAsync(id, cancellationToken) is not { } snapshot)
        {
            return false;
        }

        var collection = await snapshots.GetAsync(cancellationToken);
        var result = await collection.UpdateOneAsync(new BsonDocument("_id", id),
            new BsonDocument("$set", new BsonDocument("after", MongoMapping.SnapshotAfter(snapshot, afterJson, protector))), cancellationToken: cancellationToken);
        return result.MatchedCount == 1;
    }

    public async Task<long> CountUnconsumedAsync(CancellationToken cancellationToken = default)
    {
        var collection = await snapshots.GetAsync(cancellationToken);
        return await collection.CountDocumentsAsync(new BsonDocument("consumed", false), cancellationToken: cancellationToken);
    }

    private async Task<SnapshotDocument?> FirstAsync(BsonDocument filter, CancellationToken cancellationToken)
    {
        var collection = await snapshots.GetAsync(cancellationToken);
        var document = await collection.Find(filter).Sort(NewestFirst).Limit(1).FirstOrDefaultAsync(cancellationToken);
        return document is null ? null : MongoMapping.SnapshotFromBson(document, protector);
    }
}
