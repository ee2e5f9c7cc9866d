using K8sAgentPlatform.Orchestrator.StateMachines;
using K8sAgentPlatform.Persistence.Mongo;
using K8sAgentPlatform.Persistence.Protection;
using MassTransit;
using MongoDB.Bson;
using MongoDB.Driver;

namespace K8sAgentPlatform.Orchestrator.Persistence;

/// <summary>
/// Saga instances in MongoDB (production), one document each (<see cref="MongoRequestMapping"/>). Optimistic
/// concurrency without transactions: the unique <c>_id</c> decides between two inserts, and an update is a
/// replace filtered by id and the version it was loaded at, so of two writers from one version one matches.
/// </summary>
public sealed class MongoRequestStore(IMongoDatabase database, IObjectProtector protector) : IRequestStore
{
    private readonly SealedRequestJson json = new(protector);
    private readonly IndexedCollection requests = new(database, MongoRequestMapping.Collection, MongoRequestMapping.Indexes);

    public async Task<RequestState?> LoadAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var collection = await requests.GetAsync(cancellationToken);
        var document = await collection.Find(MongoRequestMapping.Id(id)).FirstOrDefaultAsync(cancellationToken);
        return document is null ? null : MongoRequestMapping.FromBson(document, json);
    }

    public async Task InsertAsync(RequestState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Version = 1;
        var collection = await requests.GetAsync(cancellationToken);
        try
        {
            await collection.InsertOneAsync(MongoRequestMapping.ToBson(state, json), cancellationToken: cancellationToken);
        }
        catch (MongoWriteException e) when (IndexedCollection.IsDuplicateKey(e))
        {
            throw new ConcurrencyException($"Request {state.CorrelationId} exists already.", typeof(RequestState), state.CorrelationId);
        }
    }

    public async Task UpdateAsync(RequestState state, int expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        var collection = await requests.GetAsync(cancellationToken);
        state.Version = expectedVersion + 1;
        var filter = new BsonDocument { { "_id", MongoMapping.Uuid(state.CorrelationId) }, { "version", expectedVersion } };
        var result = await collection.ReplaceOneAsync(filter, MongoRequestMapping.ToBson(state, json), cancellationToken: cancellationToken);
        if (result.MatchedCount != 1)
        {
            state.Version = expectedVersion;
            throw new ConcurrencyException($"Request {state.CorrelationId} changed since it was loaded (expected version {expectedVersion}).",
                typeof(RequestState), state.CorrelationId);
        }
    }

    public async Task DeleteAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var collection = await requests.GetAsync(cancellationToken);
        await collection.DeleteOneAsync(MongoRequestMapping.Id(id), cancellationToken);
    }

    public async Task<IReadOnlyList<RequestState>> QueryAsync(RequestQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var collection = await requests.GetAsync(cancellationToken);
        var documents = await collection.Find(MongoRequestMapping.Filter(query))
            .Sort(MongoRequestMapping.NewestFirst)
            .Limit(query.Limit == int.MaxValue ? null : query.Limit)
            .ToListAsync(cancellationToken);
        return documents.Select(d => MongoRequestMapping.FromBson(d, json)).ToList();
    }
}
