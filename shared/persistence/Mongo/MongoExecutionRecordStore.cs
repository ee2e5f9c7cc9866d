using K8sAgentPlatform.Contracts;
using MongoDB.Bson;
using MongoDB.Driver;

namespace K8sAgentPlatform.Persistence.Mongo;

/// <summary>Execution records in the <c>executions</c> collection; a unique index on (request_id, operation_index) arbitrates.</summary>
public sealed class MongoExecutionRecordStore(IMongoDatabase database) : IExecutionRecordStore
{
    private readonly IndexedCollection executions = new(database, MongoMapping.ExecutionsCollection, MongoMapping.ExecutionIndexes);

    public async Task<ExecutionRecord?> FindAsync(Guid requestId, int operationIndex, CancellationToken cancellationToken = default)
    {
        var collection = await executions.GetAsync(cancellationToken);
        var document = await collection.Find(Key(requestId, operationIndex)).FirstOrDefaultAsync(cancellationToken);
        return document is null ? null : MongoMapping.ExecutionFromBson(document);
    }

    public async Task<ExecutionRecord> StartAsync(ExecutionRecord started, CancellationToken cancellationToken = default)
    {
        var document = MongoMapping.ToBson(started);
        var collection = await executions.GetAsync(cancellationToken);
        try
        {
            await collection.InsertOneAsync(document, cancellationToken: cancellationToken);
        }
        catch (MongoWriteException e) when (IndexedCollection.IsDuplicateKey(e))
        {
            // Started before (a redelivery): the first record stays.
        }

        return await FindAsync(started.RequestId, started.OperationIndex, cancellationToken)
            ?? throw new InvalidOperationException("An execution record just written is not there.");
    }

    public async Task ReportProgressAsync(Guid requestId, int operationIndex, string progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var collection = await executions.GetAsync(cancellationToken);
        await collection.UpdateOneAsync(Key(requestId, operationIndex), new BsonDocument("$set", new BsonDocument("progress", progress)), cancellationToken: cancellationToken);
    }

    public async Task<ExecutionRecord> FinishAsync(OperationExecuted outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var document = MongoMapping.ToBson(new ExecutionRecord
        {
            RequestId = outcome.RequestId,
            OperationIndex = outcome.Index,
            SnapshotId = outcome.SnapshotId,
            StartedAt = outcome.StartedAt,
            Outcome = outcome,
        });
        var collection = await executions.GetAsync(cancellationToken);
        var unfinished = Key(outcome.RequestId, outcome.Index);
        unfinished.Add("outcome", BsonNull.Value);
        var update = new BsonDocument
        {
            { "$set", new BsonDocument { { "outcome", document["outcome"] }, { "finished_at", document["finished_at"] } } },
            { "$setOnInsert", new BsonDocument { { "snapshot_id", document["snapshot_id"] }, { "started_at", document["started_at"] } } },
        };
        try
        {
            // Matches only an unfinished record; with none, the upsert inserts one, or clashes on the unique
            // index when the operation finished already, and then the first outcome stays.
            await collection.UpdateOneAsync(unfinished, update, new UpdateOptions { IsUpsert = true }, cancellationToken);
        }
        catch (MongoWriteException e) when (IndexedCollection.IsDuplicateKey(e))
        {
        }

        return await FindAsync(outcome.RequestId, outcome.Index, cancellationToken)
            ?? throw new InvalidOperationException("An execution record just written is not there.");
    }

    private static BsonDocument Key(Guid requestId, int operationIndex) =>
        new() { { "request_id", MongoMapping.Uuid(requestId) }, { "operation_index", operationIndex } };
}
