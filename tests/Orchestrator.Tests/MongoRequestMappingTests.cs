using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Orchestrator.StateMachines;
using K8sAgentPlatform.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace K8sAgentPlatform.Orchestrator.Tests;

/// <summary>The stored BSON shape of a saga instance, checked without a server.</summary>
public sealed class MongoRequestMappingTests
{
    private static readonly DateTimeOffset Submitted = new(2026, 3, 14, 9, 0, 0, 123, TimeSpan.FromHours(1));

    private static RequestState Sample() => new()
    {
        CorrelationId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        Version = 3,
        CurrentState = "AwaitingConfirmation",
        Principal = "alice",
        Source = "api",
        Text = "scale web to 3 in prod-eu",
        SubmittedAt = Submitted,
        UpdatedAt = Submitted.AddSeconds(2),
        IntentJson = """{"operations":[{"operation_type":"scale"}]}""",
        OperationCount = 1,
        Verdicts =
        [
            new OperationValidated
            {
                RequestId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
                Index = 0,
                Count = 1,
                Approved = true,
                RequiresConfirmation = true,
                Reasons = ["production namespace"],
                PolicyRiskLevel = RiskLevel.High,
                ModelRiskLevel = RiskLevel.Medium,
                DryRun = new DryRunOutcome(DryRunStatus.Passed),
                ResourceVersion = "42",
                ValidatedAt = Submitted.AddSeconds(1),
            },
        ],
        Applied = [0],
        ConfirmationDeadline = Submitted.AddMinutes(15),
        Deadline = Submitted.AddMinutes(15),
        ConfirmedBy = ["bob"],
        Reasons = ["waiting for a second person"],
    };

    private static readonly SealedRequestJson Json = new(new K8sAgentPlatform.Persistence.Protection.AesGcmObjectProtector(new byte[32]));

    private static BsonDocument ThroughWire(BsonDocument document) => BsonSerializer.Deserialize<BsonDocument>(document.ToBson());

    [Fact]
    public void A_request_maps_to_a_uuid_id_query_fields_as_bson_dates_and_the_instance_nested_as_body()
    {
        var document = MongoRequestMapping.ToBson(Sample(), Json);

        document.Names.ShouldBe(["_id", "state", "version", "submitted_at", "updated_at", "deadline", "body"]);
        document["_id"].AsBsonBinaryData.SubType.ShouldBe(BsonBinarySubType.UuidStandard);
        document["state"].ShouldBe(new BsonString("AwaitingConfirmation"));
        document["version"].ShouldBe(new BsonInt32(3));
        document["submitted_at"].BsonType.ShouldBe(BsonType.DateTime);
        document["submitted_at"].AsBsonDateTime.MillisecondsSinceEpoch.ShouldBe(Submitted.ToUnixTimeMilliseconds());
        document["deadline"].BsonType.ShouldBe(BsonType.DateTime);
        document["body"].BsonType.ShouldBe(BsonType.Document);
        document["body"]["verdicts"].BsonType.ShouldBe(BsonType.Array);
        document["body"]["verdicts"][0]["resourceVersion"].ShouldBe(new BsonString("42"));
        document["body"]["intentJson"].BsonType.ShouldBe(BsonType.String);
    }

    [Fact]
    public void A_request_without_a_deadline_stores_null_there()
    {
        var state = Sample();
        state.ConfirmationDeadline = null;
        state.Deadline = null;

        MongoRequestMapping.ToBson(state, Json)["deadline"].ShouldBe(BsonNull.Value);
    }

    [Fact]
    public void A_request_survives_the_round_trip_through_bson_bytes_unchanged()
    {
        var state = Sample();

        var read = MongoRequestMapping.FromBson(ThroughWire(MongoRequestMapping.ToBson(state, Json)), Json);

        RequestStateJson.Serialize(read).ShouldBe(RequestStateJson.Serialize(state));
        read.SubmittedAt.ShouldBe(Submitted);
        read.Verdicts.Single().DryRun.Status.ShouldBe(DryRunStatus.Passed);
    }

    [Fact]
    public void The_version_read_back_is_the_top_level_one_the_conditional_update_filters_on()
    {
        var document = MongoRequestMapping.ToBson(Sample(), Json);
        document["version"] = 7;

        MongoRequestMapping.FromBson(document, Json).Version.ShouldBe(7);
    }

    [Theory]
    [InlineData("AwaitingConfirmation", true)]
    [InlineData("AwaitingConfirmation", false)]
    [InlineData(null, true)]
    public void Queries_by_state_and_deadline_are_a_prefix_of_the_state_deadline_index(string? state, bool withDeadline)
    {
        var filter = MongoRequestMapping.Filter(new RequestQuery(state, withDeadline ? Submitted : null));
        var index = MongoRequestMapping.Indexes.Single(i => i.Name == "ix_state_deadline").Keys.Names.ToList();

        if (state is not null)
        {
            // An index serves a filter when the filter's equality fields lead it.
            index.Take(filter.ElementCount).ShouldBe(filter.Names);
        }
        else
        {
            filter.Names.ShouldBe(["deadline"]);
            MongoRequestMapping.Indexes.Single(i => i.Name == "ix_deadline").Keys.Names.ShouldBe(["deadline"]);
        }

        if (withDeadline)
        {
            filter["deadline"]["$lt"].BsonType.ShouldBe(BsonType.DateTime);
        }
    }

    [Fact]
    public void The_newest_first_order_is_served_by_the_submitted_at_index()
    {
        var index = MongoRequestMapping.Indexes.Single(i => i.Name == "ix_submitted_at").Keys;

        MongoRequestMapping.NewestFirst.Names.First().ShouldBe(index.Names.Single());
        MongoRequestMapping.NewestFirst["submitted_at"].ShouldBe(index["submitted_at"]);
    }

    [Theory]
    [InlineData("mongodb", typeof(MongoRequestStore))]
    [InlineData("MongoDB", typeof(MongoRequestStore))]
    [InlineData("sqlite", typeof(SqliteRequestStore))]
    [InlineData(null, typeof(SqliteRequestStore))]
    public void The_request_store_follows_the_persistence_provider(string? provider, Type expected)
    {
        var requestsFile = Path.Combine(Path.GetTempPath(), $"requests-{Guid.NewGuid():N}.db");
        var settings = new Dictionary<string, string?>
        {
            ["Persistence:MongoConnectionString"] = "mongodb://127.0.0.1:1",
            ["Persistence:MongoDatabase"] = "k8s_agent",
            [OrchestratorExtensions.RequestsDatabaseKey] = requestsFile,
        };
        if (provider is not null)
        {
            settings["Persistence:Provider"] = provider;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().AddPersistence(configuration).AddRequestStore(configuration).BuildServiceProvider();

        services.GetRequiredService<IRequestStore>().ShouldBeOfType(expected);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(requestsFile);
    }
}
