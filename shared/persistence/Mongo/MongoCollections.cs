using MongoDB.Bson;
using MongoDB.Driver;

namespace K8sAgentPlatform.Persistence.Mongo;

/// <summary>Creates a collection's declared indexes once per process, before its first use. Public for the orchestrator's request store.</summary>
public sealed class IndexedCollection(IMongoDatabase database, string name, IReadOnlyList<MongoIndex> indexes)
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile bool ready;

    public IMongoCollection<BsonDocument> Collection { get; } = database.GetCollection<BsonDocument>(name);

    public async Task<IMongoCollection<BsonDocument>> GetAsync(CancellationToken cancellationToken)
    {
        if (ready)
        {
            return Collection;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!ready)
            {
                // createIndexes is idempotent for identical definitions, so processes starting together agree.
                var models = indexes.Select(index => new CreateIndexModel<BsonDocument>(
                    new BsonDocumentIndexKeysDefinition<BsonDocument>(index.Keys),
                    new CreateIndexOptions { Name = index.Name, Unique = index.Unique }));
                await Collection.Indexes.CreateManyAsync(models, cancellationToken);
                ready = true;
            }
        }
        finally
        {
            gate.Release();
        }

        return Collection;
    }

    public static bool IsDuplicateKey(MongoWriteException exception) =>
        exception.WriteError?.Category == ServerErrorCategory.DuplicateKey;
}
