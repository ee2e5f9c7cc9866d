using K8sAgentPlatform.Persistence.Protection;
using MongoDB.Bson;

namespace K8sAgentPlatform.Persistence.Mongo;

/// <summary>An index a store declares, as created on its collection.</summary>
public sealed record MongoIndex(string Name, BsonDocument Keys, bool Unique);

/// <summary>
/// The BSON shape of snapshots and audit entries, written by hand: field names are spelled here once and never
/// derived from C# property names, dates are BSON dates (UTC), Guids are standard UUIDs (binary subtype 4).
/// </summary>
public static class MongoMapping
{
    public const string SnapshotsCollection = "snapshots";
    public const string AuditCollection = "audit";
    public const string ExecutionsCollection = "executions";

    public static readonly IReadOnlyList<MongoIndex> SnapshotIndexes =
    [
        new("ix_object_captured_at", new BsonDocument { { "namespace", 1 }, { "kind", 1 }, { "name", 1 }, { "captured_at", -1 } }, false),
        new("ux_request_operation", new BsonDocument { { "request_id", 1 }, { "operation_index", 1 } }, true),
        new("ix_captured_at", new BsonDocument { { "captured_at", -1 } }, false),
    ];

    public static readonly IReadOnlyList<MongoIndex> AuditIndexes =
    [
        new("ux_sequence", new BsonDocument { { "sequence", 1 } }, true),
        new("ix_request_sequence", new BsonDocument { { "request_id", 1 }, { "sequence", 1 } }, false),
    ];

    public static readonly IReadOnlyList<MongoIndex> ExecutionIndexes =
    [
        new("ux_request_operation", new BsonDocument { { "request_id", 1 }, { "operation_index", 1 } }, true),
    ];

    /// <summary>One document per operation; the outcome is nested (null until it finished).</summary>
    public static BsonDocument ToBson(ExecutionRecord record)
    {
        ExecutionPayload.Validate(record);
        return new BsonDocument
        {
            { "request_id", Uuid(record.RequestId) },
            { "operation_index", record.OperationIndex },
            { "snapshot_id", Text(record.SnapshotId) },
            { "started_at", Date(record.StartedAt) },
            { "finished_at", record.Outcome is { } finished ? Date(finished.FinishedAt) : BsonNull.Value },
            { "outcome", record.Outcome is { } outcome ? BsonJson.ToDocument(ExecutionPayload.OutcomeJson(outcome)) : BsonNull.Value },
        };
    }

    public static ExecutionRecord ExecutionFromBson(BsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new ExecutionRecord
        {
            RequestId = ReadUuid(document["request_id"]),
            OperationIndex = document["operation_index"].AsInt32,
            SnapshotId = ReadText(document, "snapshot_id"),
            StartedAt = ReadDate(document["started_at"]),
            Outcome = document.GetValue("outcome", BsonNull.Value) is BsonDocument outcome
                ? ExecutionPayload.ReadOutcome(BsonJson.ToJson(outcome))
                : null,
            // Set only by ReportProgressAsync ($set), never part of a whole record written.
            Progress = ReadText(document, "progress"),
        };
    }

    public static BsonDocument ToBson(SnapshotDocument snapshot, IObjectProtector protector)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(protector);
        var protect = SnapshotPayload.MustProtect(snapshot);
        var document = new BsonDocument
        {
            { "_id", snapshot.Id },
            { "request_id", Uuid(snapshot.RequestId) },
            { "operation_index", snapshot.OperationIndex },
            { "kind", snapshot.Kind },
            { "api_version", snapshot.ApiVersion },
            { "namespace", Text(snapshot.Namespace) },
            { "name", snapshot.Name },
            { "protected", protect },
        };
        if (protect)
        {
            // Operation and object travel sealed together: the operation's parameters can hold the Secret's new value.
            document.Add("sealed", SnapshotPayload.Seal(protector, snapshot));
        }
        else
        {
            document.Add("operation", BsonJson.ToDocument(SnapshotPayload.OperationJson(snapshot.Operation)));
            document.Add("object", snapshot.ObjectJson is null ? BsonNull.Value : BsonJson.ToDocument(snapshot.ObjectJson));
        }

        document.Add("resource_version", Text(snapshot.ResourceVersion));
        document.Add("existed", snapshot.Existed);
        document.Add("captured_at", Date(snapshot.CapturedAt));
        document.Add("restored_at", snapshot.RestoredAt is { } restored ? Date(restored) : BsonNull.Value);
        document.Add("consumed", snapshot.Consumed);
        document.Add("after", snapshot.AfterJson is { } after ? SnapshotAfter(snapshot, after, protector) : BsonNull.Value);
        return document;
    }

    /// <summary>The recorded after-state as stored: a nested document, or a sealed string for protected snapshots.</summary>
    public static BsonValue SnapshotAfter(SnapshotDocument snapshot, string afterJson, IObjectProtector protector) =>
        SnapshotPayload.MustProtect(snapshot) ? SnapshotPayload.StoreAfter(protector, snapshot, afterJson) : BsonJson.ToDocument(afterJson);

    public static SnapshotDocument SnapshotFromBson(BsonDocument document, IObjectProtector protector)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(protector);
        var id = document["_id"].AsString;
        var isProtected = document.GetValue("protected", false).AsBoolean;
        var after = document.GetValue("after", BsonNull.Value) switch
        {
            BsonString sealedAfter => SnapshotPayload.ReadAfter(protector, id, isProtected, sealedAfter.AsString),
            BsonDocument plain => BsonJson.ToJson(plain),
            _ => null,
        };
        var (operation, objectJson) = isProtected
            ? SnapshotPayload.Open(protector, id, document["sealed"].AsString)
            : (SnapshotPayload.ReadOperation(BsonJson.ToJson(document["operation"].AsBsonDocument)),
                document.GetValue("object", BsonNull.Value) is BsonDocument stored ? BsonJson.ToJson(stored) : null);
        return new SnapshotDocument
        {
            Id = id,
            RequestId = ReadUuid(document["request_id"]),
            OperationIndex = document["operation_index"].AsInt32,
            Operation = operation,
            Kind = document["kind"].AsString,
            ApiVersion = document["api_version"].AsString,
            Namespace = ReadText(document, "namespace"),
            Name = document["name"].AsString,
            ObjectJson = objectJson,
            ResourceVersion = ReadText(document, "resource_version"),
            Existed = document["existed"].AsBoolean,
            CapturedAt = ReadDate(document["captured_at"]),
            RestoredAt = document.GetValue("restored_at", BsonNull.Value).IsBsonNull ? null : ReadDate(document["restored_at"]),
            Consumed = document["consumed"].AsBoolean,
            AfterJson = after,
        };
    }

    public static BsonDocument ToBson(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new BsonDocument
        {
            { "sequence", entry.Sequence },
            { "at", Date(entry.At) },
            { "action", entry.Action },
            { "principal", entry.Principal },
            { "request_id", entry.RequestId is { } id ? Uuid(id) : BsonNull.Value },
            { "detail", Text(entry.Detail) },
            { "outcome", Text(entry.Outcome) },
            { "previous_hash", entry.PreviousHash },
            { "hash", entry.Hash },
        };
    }

    public static AuditEntry AuditFromBson(BsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new AuditEntry
        {
            Sequence = document["sequence"].ToInt64(),
            At = ReadDate(document["at"]),
            Action = document["action"].AsString,
            Principal = document["principal"].AsString,
            RequestId = document.GetValue("request_id", BsonNull.Value).IsBsonNull ? null : ReadUuid(document["request_id"]),
            Detail = ReadText(document, "detail"),
            Outcome = ReadText(document, "outcome"),
            PreviousHash = document["previous_hash"].AsString,
            Hash = document["hash"].AsString,
        };
    }

    public static BsonBinaryData Uuid(Guid value) => new(value, GuidRepresentation.Standard);

    public static BsonDateTime Date(DateTimeOffset value) => new(value.UtcDateTime);

    private static BsonValue Text(string? value) => value is null ? BsonNull.Value : new BsonString(value);

    private static string? ReadText(BsonDocument document, string name) =>
        document.GetValue(name, BsonNull.Value) is { IsBsonNull: false } value ? value.AsString : null;

    private static Guid ReadUuid(BsonValue value) => value.AsBsonBinaryData.ToGuid(GuidRepresentation.Standard);

    private static DateTimeOffset ReadDate(BsonValue value) => new(value.ToUniversalTime(), TimeSpan.Zero);
}
