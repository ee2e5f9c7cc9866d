using K8sAgentPlatform.Orchestrator.StateMachines;
using K8sAgentPlatform.Persistence.Mongo;
using MongoDB.Bson;

namespace K8sAgentPlatform.Orchestrator.Persistence;

/// <summary>
/// The BSON shape of a saga instance in the <c>requests</c> collection, written by hand like the shared
/// snapshot and audit mappings: the fields the queries need at the top level (UUID id, BSON dates), the whole
/// instance nested as plain JSON types under <c>body</c>, so what is loaded is exactly what was saved.
/// </summary>
public static class MongoRequestMapping
{
    public const string Collection = "requests";

    public static readonly IReadOnlyList<MongoIndex> Indexes =
    [
        new("ix_state_deadline", new BsonDocument { { "state", 1 }, { "deadline", 1 } }, false),
        // The deadline sweeper asks for every request past its deadline, whatever its state.
        new("ix_deadline", new BsonDocument { { "deadline", 1 } }, false),
        new("ix_submitted_at", new BsonDocument { { "submitted_at", -1 } }, false),
    ];

    public static readonly BsonDocument NewestFirst = new() { { "submitted_at", -1 }, { "_id", -1 } };

    public static BsonDocument ToBson(RequestState state, SealedRequestJson json)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new BsonDocument
        {
            { "_id", MongoMapping.Uuid(state.CorrelationId) },
            { "state", state.CurrentState },
            { "version", state.Version },
            { "submitted_at", MongoMapping.Date(state.SubmittedAt) },
            { "updated_at", MongoMapping.Date(state.UpdatedAt) },
            { "deadline", state.Deadline is { } deadline ? MongoMapping.Date(deadline) : BsonNull.Value },
            { "body", BsonJson.ToDocument(json.Serialize(state)) },
        };
    }

    public static RequestState FromBson(BsonDocument document, SealedRequestJson json)
    {
        ArgumentNullException.ThrowIfNull(document);
        var state = json.Deserialize(BsonJson.ToJson(document["body"].AsBsonDocument));
        // The top-level version is the one the conditional update moved; the body's copy was written with it.
        state.Version = document["version"].AsInt32;
        return state;
    }

    public static BsonDocument Id(Guid id) => new("_id", MongoMapping.Uuid(id));

    /// <summary>The filter of <see cref="IRequestStore.QueryAsync"/>; its fields lead <c>ix_state_deadline</c> (or <c>ix_deadline</c> without a state).</summary>
    public static BsonDocument Filter(RequestQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = new BsonDocument();
        if (query.State is not null)
        {
            filter.Add("state", query.State);
        }

        if (query.DeadlineBefore is { } before)
        {
            // $lt on a date never matches null, so requests without a deadline (final ones) stay out.
            filter.Add("deadline", new BsonDocument("$lt", MongoMapping.Date(before)));
        }

        return filter;
    }
}
