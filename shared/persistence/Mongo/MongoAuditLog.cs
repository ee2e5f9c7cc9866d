using System.Runtime.CompilerServices;
using MongoDB.Bson;
using MongoDB.Driver;

namespace K8sAgentPlatform.Persistence.Mongo;

/// <summary>
/// The audit chain in the <c>audit</c> collection. The unique index on sequence decides races: an appender that
/// linked to an entry someone else extended first gets a duplicate key, re-reads the tail and tries again.
/// </summary>
public sealed class MongoAuditLog(IMongoDatabase database, AuditChain chain, TimeProvider time) : IAuditLog
{
    private const int MaxAttempts = 100;
    private static readonly BsonDocument BySequence = new("sequence", 1);
    private static readonly BsonDocument NewestFirst = new("sequence", -1);

    private readonly IndexedCollection audit = new(database, MongoMapping.AuditCollection, MongoMapping.AuditIndexes);

    public async Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var collection = await audit.GetAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var last = await collection.Find(FilterDefinition<BsonDocument>.Empty).Sort(NewestFirst).Limit(1).FirstOrDefaultAsync(cancellationToken);
            var entry = last is null
                ? chain.Link(record, 1, time.GetUtcNow(), AuditChain.Genesis)
                : chain.Link(record, last["sequence"].ToInt64() + 1, time.GetUtcNow(), last["hash"].AsString);
            try
            {
                await collection.InsertOneAsync(MongoMapping.ToBson(entry), cancellationToken: cancellationToken);
                return entry;
            }
            catch (MongoWriteException e) when (IndexedCollection.IsDuplicateKey(e) && attempt < MaxAttempts)
            {
                // Spread the losers out so the same ones do not collide again on the next tail.
                await Task.Delay(Random.Shared.Next(0, Math.Min(attempt, 20)), cancellationToken);
            }
        }
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        var filter = new BsonDocument("sequence", new BsonDocument("$gt", query.AfterSequence));
        if (query.RequestId is { } requestId)
        {
            filter.Add("request_id", MongoMapping.Uuid(requestId));
        }

        if (query.Principal is not null)
        {
            filter.Add("principal", query.Principal);
        }

        var collection = await audit.GetAsync(cancellationToken);
        var documents = await collection.Find(filter).Sort(BySequence).Limit(query.Limit).ToListAsync(cancellationToken);
        return documents.Select(MongoMapping.AuditFromBson).ToList();
    }

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default) =>
        await chain.VerifyAsync(ReadAllAsync(cancellationToken), cancellationToken);

    private async IAsyncEnumerable<AuditEntry> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var collection = await audit.GetAsync(cancellationToken);
        using var cursor = await collection.Find(FilterDefinition<BsonDocument>.Empty).Sort(BySequence).ToCursorAsync(cancellationToken);
        while (await cursor.MoveNextAsync(cancellationToken))
        {
            foreach (var document in cursor.Current)
            {
                yield return MongoMapping.AuditFromBson(document);
            }
        }
    }
}
