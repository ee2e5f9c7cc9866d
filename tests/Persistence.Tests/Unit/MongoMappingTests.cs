using K8sAgentPlatform.Persistence.Mongo;
using K8sAgentPlatform.Persistence.Protection;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace K8sAgentPlatform.Persistence.Tests.Unit;

/// <summary>The stored BSON shape, checked without a server: names, types, round trips and declared indexes.</summary>
public sealed class MongoMappingTests : IDisposable
{
    private readonly AesGcmObjectProtector protector = new(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public void Dispose() => protector.Dispose();

    /// <summary>Through bytes, as the driver writes and reads them.</summary>
    private static BsonDocument ThroughWire(BsonDocument document) => BsonSerializer.Deserialize<BsonDocument>(document.ToBson());

    [Fact]
    public void A_snapshot_maps_to_named_fields_with_bson_dates_uuids_and_a_nested_object()
    {
        var snapshot = TestData.Snapshot("snap-bson", Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"));

        var document = MongoMapping.ToBson(snapshot, protector);

        document.Names.ShouldBe([
            "_id", "request_id", "operation_index", "kind", "api_version", "namespace", "name", "protected",
            "operation", "object", "resource_version", "existed", "captured_at", "restored_at", "consumed", "after"]);
        document["_id"].ShouldBe(new BsonString("snap-bson"));
        var requestId = document["request_id"].AsBsonBinaryData;
        requestId.SubType.ShouldBe(BsonBinarySubType.UuidStandard);
        requestId.Bytes.ShouldBe(snapshot.RequestId.ToByteArray(bigEndian: true));
        document["operation_index"].BsonType.ShouldBe(BsonType.Int32);
        document["protected"].ShouldBe(BsonBoolean.False);
        document["operation"]["operation_type"].ShouldBe(new BsonString("scale"));
        document["operation"]["parameters"]["replicas"].ShouldBe(new BsonInt32(3));
        document["object"].BsonType.ShouldBe(BsonType.Document);
        document["object"]["spec"]["replicas"].ShouldBe(new BsonInt32(2));
        document["object"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"].ShouldBe(new BsonString("2026-03-14T08:00:00Z"));
        document["object"]["spec"]["template"]["spec"]["containers"].BsonType.ShouldBe(BsonType.Array);
        document["captured_at"].BsonType.ShouldBe(BsonType.DateTime);
        document["captured_at"].ToUniversalTime().ShouldBe(TestData.T0.UtcDateTime);
        document["restored_at"].ShouldBe(BsonNull.Value);
        document["existed"].ShouldBe(BsonBoolean.True);
        document["consumed"].ShouldBe(BsonBoolean.False);
        document.Contains("sealed").ShouldBeFalse();
        document["after"].ShouldBe(BsonNull.Value);
        var after = MongoMapping.ToBson(snapshot with { AfterJson = """{"spec":{"replicas":5}}""" }, protector);
        after["after"]["spec"]["replicas"].ShouldBe(new BsonInt32(5));
        MongoMapping.SnapshotFromBson(after, protector).AfterJson.ShouldBe("""{"spec":{"replicas":5}}""");
    }

    [Fact]
    public void A_snapshot_survives_the_round_trip_through_bson_bytes()
    {
        var snapshot = TestData.Snapshot("snap-rt") with
        {
            Consumed = true,
            RestoredAt = new DateTimeOffset(2026, 3, 14, 12, 0, 0, 250, TimeSpan.FromHours(-5)),
        };

        var read = MongoMapping.SnapshotFromBson(ThroughWire(MongoMapping.ToBson(snapshot, protector)), protector);

        read.ShouldBe(snapshot);
        read.ObjectJson.ShouldBe(snapshot.ObjectJson);
        read.RestoredAt!.Value.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void Dates_are_stored_as_utc_instants_to_the_millisecond()
    {
        var capturedAt = new DateTimeOffset(2026, 3, 14, 10, 30, 0, TimeSpan.FromHours(2)).AddTicks(12_345);

        var document = MongoMapping.ToBson(TestData.Snapshot("snap-time", capturedAt: capturedAt), protector);

        document["captured_at"].AsBsonDateTime.MillisecondsSinceEpoch.ShouldBe(capturedAt.ToUnixTimeMilliseconds());
        MongoMapping.SnapshotFromBson(ThroughWire(document), protector).CapturedAt.ShouldBe(new DateTimeOffset(2026, 3, 14, 8, 30, 0, 1, TimeSpan.Zero));
    }

    [Fact]
    public void A_secret_snapshot_is_sealed_with_no_object_or_operation_in_clear()
    {
        var secret = TestData.SecretSnapshot("snap-secret");

        var document = MongoMapping.ToBson(secret, protector);

        document["protected"].ShouldBe(BsonBoolean.True);
        document["sealed"].AsString.ShouldStartWith(AesGcmObjectProtector.Prefix);
        document.Contains("object").ShouldBeFalse();
        document.Contains("operation").ShouldBeFalse();
        var stored = document.ToJson();
        stored.ShouldNotContain(TestData.SecretValue);
        stored.ShouldNotContain(TestData.SecretValueBase64);
        document.ToBson().AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(TestData.SecretValue)).ShouldBe(-1);
        MongoMapping.SnapshotFromBson(ThroughWire(document), protector).ShouldBe(secret);
    }

    [Fact]
    public void A_sealed_snapshot_does_not_open_with_another_key_or_under_another_id()
    {
        var document = MongoMapping.ToBson(TestData.SecretSnapshot("snap-secret"), protector);
        using var otherKey = new AesGcmObjectProtector(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

        Should.Throw<ObjectProtectionException>(() => MongoMapping.SnapshotFromBson(document, otherKey));
        var moved = document.DeepClone().AsBsonDocument;
        moved["_id"] = "snap-other";
        Should.Throw<ObjectProtectionException>(() => MongoMapping.SnapshotFromBson(moved, protector));
    }

    [Fact]
    public void An_audit_entry_maps_to_named_fields_and_still_verifies_after_the_round_trip()
    {
        var first = TestData.Chain.Link(new AuditRecord("request.submitted", "alice", Guid.NewGuid(), "scale web", "accepted"), 1, TestData.T0.AddTicks(7), AuditChain.Genesis);
        var second = TestData.Chain.Link(new AuditRecord("request.confirmed", "bob"), 2, TestData.T0.AddSeconds(1), first.Hash);

        var document = MongoMapping.ToBson(first);

        document.Names.ShouldBe(["sequence", "at", "action", "principal", "request_id", "detail", "outcome", "previous_hash", "hash"]);
        document["sequence"].BsonType.ShouldBe(BsonType.Int64);
        document["at"].BsonType.ShouldBe(BsonType.DateTime);
        document["request_id"].AsBsonBinaryData.SubType.ShouldBe(BsonBinarySubType.UuidStandard);
        MongoMapping.ToBson(second)["request_id"].ShouldBe(BsonNull.Value);
        var read = new[] { first, second }.Select(e => MongoMapping.AuditFromBson(ThroughWire(MongoMapping.ToBson(e)))).ToList();
        read.ShouldBe([first, second]);
        TestData.Chain.Verify(read).Intact.ShouldBeTrue();
    }

    [Fact]
    public void The_declared_indexes_are_the_ones_the_queries_need()
    {
        MongoMapping.SnapshotIndexes.Select(i => (i.Name, i.Keys.ToJson(), i.Unique)).ShouldBe([
            ("ix_object_captured_at", """{ "namespace" : 1, "kind" : 1, "name" : 1, "captured_at" : -1 }""", false),
            ("ux_request_operation", """{ "request_id" : 1, "operation_index" : 1 }""", true),
            ("ix_captured_at", """{ "captured_at" : -1 }""", false),
        ]);
        MongoMapping.AuditIndexes.Select(i => (i.Name, i.Keys.ToJson(), i.Unique)).ShouldBe([
            ("ux_sequence", """{ "sequence" : 1 }""", true),
            ("ix_request_sequence", """{ "request_id" : 1, "sequence" : 1 }""", false),
        ]);
        MongoMapping.SnapshotsCollection.ShouldBe("snapshots");
        MongoMapping.AuditCollection.ShouldBe("audit");
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"a":1,"b":-2147483649,"c":1.5,"d":true,"e":false,"f":null,"g":"x\"y\\z","h":[1,[2,{"i":"j"}],null],"k.l/m":"dots"}""")]
    [InlineData("""{"unicode":"caf\u00e9 \u2713","big":9007199254740993,"neg":-0.25}""")]
    public void Json_objects_round_trip_through_bson_unchanged(string json)
    {
        var document = ThroughWire(BsonJson.ToDocument(json));

        System.Text.Json.Nodes.JsonNode.DeepEquals(
            System.Text.Json.Nodes.JsonNode.Parse(BsonJson.ToJson(document)),
            System.Text.Json.Nodes.JsonNode.Parse(json)).ShouldBeTrue();
    }

    [Fact]
    public void Compact_json_comes_back_byte_for_byte()
    {
        var json = TestData.DeploymentJson("web", 4);

        BsonJson.ToJson(BsonJson.ToDocument(json)).ShouldBe(json);
    }

    [Fact]
    public void Only_a_json_object_becomes_a_document() =>
        Should.Throw<ArgumentException>(() => BsonJson.ToDocument("[1]"));

    [Fact]
    public void A_started_execution_maps_to_named_fields_with_a_null_outcome()
    {
        var record = new ExecutionRecord
        {
            RequestId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
            OperationIndex = 1,
            SnapshotId = "snap-0123456789abcdef",
            StartedAt = TestData.T0,
        };

        var document = ThroughWire(MongoMapping.ToBson(record));

        document.Names.ShouldBe(["request_id", "operation_index", "snapshot_id", "started_at", "finished_at", "outcome"]);
        document["request_id"].AsBsonBinaryData.SubType.ShouldBe(BsonBinarySubType.UuidStandard);
        document["operation_index"].BsonType.ShouldBe(BsonType.Int32);
        document["started_at"].BsonType.ShouldBe(BsonType.DateTime);
        document["finished_at"].ShouldBe(BsonNull.Value);
        document["outcome"].ShouldBe(BsonNull.Value);
        MongoMapping.ExecutionFromBson(document).ShouldBe(record);
    }

    [Fact]
    public void A_finished_execution_nests_its_outcome_and_reads_it_back()
    {
        var requestId = Guid.NewGuid();
        var outcome = new Contracts.OperationExecuted
        {
            RequestId = requestId,
            Index = 0,
            Success = false,
            SnapshotId = "snap-0123456789abcdef",
            Error = "rollout failed",
            Evidence = ["pod web-1: ImagePullBackOff"],
            StartedAt = TestData.T0,
            FinishedAt = TestData.T0.AddSeconds(3),
        };
        var record = new ExecutionRecord { RequestId = requestId, OperationIndex = 0, SnapshotId = outcome.SnapshotId, StartedAt = TestData.T0, Outcome = outcome };

        var document = ThroughWire(MongoMapping.ToBson(record));
        var read = MongoMapping.ExecutionFromBson(document);

        document["outcome"].BsonType.ShouldBe(BsonType.Document);
        document["outcome"]["Success"].ShouldBe(BsonBoolean.False);
        document["finished_at"].BsonType.ShouldBe(BsonType.DateTime);
        read.Outcome!.Evidence.ShouldBe(["pod web-1: ImagePullBackOff"]);
        (read.Outcome with { Evidence = outcome.Evidence }).ShouldBe(outcome);
        MongoMapping.ExecutionIndexes.Select(i => (i.Name, i.Keys.ToJson(), i.Unique)).ShouldBe([
            ("ux_request_operation", """{ "request_id" : 1, "operation_index" : 1 }""", true),
        ]);
        MongoMapping.ExecutionsCollection.ShouldBe("executions");
    }
}
