using K8sAgentPlatform.Persistence.Protection;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Orchestrator.StateMachines;
using K8sAgentPlatform.Persistence.Tests.Contract;
using MassTransit;
using MongoDB.Driver;

namespace K8sAgentPlatform.Orchestrator.Tests;

/// <summary>One contract for every saga store: copies, versions, lost races, queries.</summary>
public abstract class RequestStoreContractTests
{
    protected abstract IRequestStore Store { get; }

    private static RequestState New(string state = "Parsing", DateTimeOffset? deadline = null, int minutesAgo = 0) => new()
    {
        CorrelationId = Guid.NewGuid(),
        CurrentState = state,
        Principal = "alice",
        SubmittedAt = DateTimeOffset.UtcNow.AddMinutes(-minutesAgo),
        Deadline = deadline,
        Reasons = ["first"],
    };

    [Fact]
    public async Task An_inserted_instance_loads_as_an_independent_copy_with_version_1()
    {
        var state = New();
        await Store.InsertAsync(state);

        var loaded = (await Store.LoadAsync(state.CorrelationId))!;
        loaded.Reasons.Add("changed in memory only");

        loaded.Version.ShouldBe(1);
        (await Store.LoadAsync(state.CorrelationId))!.Reasons.ShouldBe(["first"]);
        (await Store.LoadAsync(Guid.NewGuid())).ShouldBeNull();
    }

    [Fact]
    public async Task A_second_insert_of_the_same_id_is_a_concurrency_conflict()
    {
        var state = New();
        await Store.InsertAsync(state);

        await Should.ThrowAsync<ConcurrencyException>(() => Store.InsertAsync(state));
    }

    [Fact]
    public async Task Only_the_first_of_two_updates_from_the_same_version_lands()
    {
        var state = New();
        await Store.InsertAsync(state);
        var first = (await Store.LoadAsync(state.CorrelationId))!;
        var second = (await Store.LoadAsync(state.CorrelationId))!;

        first.CurrentState = "Validating";
        await Store.UpdateAsync(first, 1);
        second.CurrentState = "Cancelled";

        await Should.ThrowAsync<ConcurrencyException>(() => Store.UpdateAsync(second, 1));
        var stored = (await Store.LoadAsync(state.CorrelationId))!;
        stored.CurrentState.ShouldBe("Validating");
        stored.Version.ShouldBe(2);
    }

    [Fact]
    public async Task Of_many_concurrent_updates_from_one_version_exactly_one_lands_while_other_requests_all_land()
    {
        var contested = New();
        await Store.InsertAsync(contested);
        var others = Enumerable.Range(0, 20).Select(_ => New()).ToList();

        var updates = Enumerable.Range(0, 20).Select(async i =>
        {
            var copy = (await Store.LoadAsync(contested.CorrelationId))!;
            copy.CurrentState = $"State{i}";
            try
            {
                await Store.UpdateAsync(copy, 1);
                return copy.CurrentState;
            }
            catch (ConcurrencyException)
            {
                return null;
            }
        }).ToList();
        await Task.WhenAll(others.Select(o => Store.InsertAsync(o)).Concat(updates));

        var winner = updates.Select(u => u.Result).OfType<string>().ShouldHaveSingleItem();
        var stored = (await Store.LoadAsync(contested.CorrelationId))!;
        stored.CurrentState.ShouldBe(winner);
        stored.Version.ShouldBe(2);
        foreach (var other in others)
        {
            (await Store.LoadAsync(other.CorrelationId)).ShouldNotBeNull();
        }
    }

    [Fact]
    public async Task Queries_filter_by_state_and_overdue_deadline_newest_first()
    {
        var now = DateTimeOffset.UtcNow;
        var overdue = New("AwaitingConfirmation", now.AddMinutes(-1), minutesAgo: 20);
        var pending = New("AwaitingConfirmation", now.AddMinutes(10), minutesAgo: 10);
        var done = New("Completed", minutesAgo: 5);
        foreach (var s in new[] { overdue, pending, done })
        {
            await Store.InsertAsync(s);
        }

        var waiting = await Store.QueryAsync(new RequestQuery(State: "AwaitingConfirmation"));
        var expired = await Store.QueryAsync(new RequestQuery(State: "AwaitingConfirmation", DeadlineBefore: now));

        waiting.Select(s => s.CorrelationId).Where(id => id == overdue.CorrelationId || id == pending.CorrelationId)
            .ShouldBe([pending.CorrelationId, overdue.CorrelationId]);
        expired.Select(s => s.CorrelationId).ShouldContain(overdue.CorrelationId);
        expired.Select(s => s.CorrelationId).ShouldNotContain(pending.CorrelationId);
    }

    [Fact]
    public async Task A_deadline_query_without_a_state_finds_overdue_requests_in_any_state_and_never_final_ones()
    {
        var now = DateTimeOffset.UtcNow;
        var stuckParsing = New("Parsing", now.AddMinutes(-2), minutesAgo: 3);
        var stuckExecuting = New("Executing", now.AddSeconds(-1), minutesAgo: 2);
        var onTime = New("Validating", now.AddMinutes(1), minutesAgo: 1);
        var finished = New("Failed", minutesAgo: 4);
        foreach (var s in new[] { stuckParsing, stuckExecuting, onTime, finished })
        {
            await Store.InsertAsync(s);
        }

        var overdue = (await Store.QueryAsync(new RequestQuery(DeadlineBefore: now, Limit: 1000))).Select(s => s.CorrelationId).ToList();

        overdue.ShouldContain(stuckParsing.CorrelationId);
        overdue.ShouldContain(stuckExecuting.CorrelationId);
        overdue.ShouldNotContain(onTime.CorrelationId);
        overdue.ShouldNotContain(finished.CorrelationId);
    }
}

public sealed class InMemoryRequestStoreTests : RequestStoreContractTests
{
    protected override IRequestStore Store { get; } = new InMemoryRequestStore();
}

public sealed class SqliteRequestStoreTests : RequestStoreContractTests, IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"requests-{Guid.NewGuid():N}.db");

    private static readonly AesGcmObjectProtector Protector = new(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public SqliteRequestStoreTests() => Store = new SqliteRequestStore(path, Protector);

    protected override IRequestStore Store { get; }

    [Fact]
    public async Task A_new_store_on_the_same_file_sees_what_the_first_wrote()
    {
        var state = New2();
        await Store.InsertAsync(state);

        (await new SqliteRequestStore(path, Protector).LoadAsync(state.CorrelationId))!.Principal.ShouldBe("bob");
    }

    [Fact]
    public async Task A_request_whose_intent_writes_a_secret_is_stored_masked_and_sealed_and_loads_whole()
    {
        const string value = "st0red-S3cret-value";
        var intentJson = $$"""
            {"original_request":"set password to {{value}}","operations":[{"operation_type":"update_config","resource_type":"secret",
             "resource_name":"db-credentials","namespace":"dev","parameters":{"configmap_name":"db-credentials","key":"password","value":"{{value}}"},
             "reason":"rotate the database password","requires_confirmation":false}],"estimated_risk_level":"low","summary":"rotate the password {{value}}"}
            """;
        K8sAgentPlatform.Contracts.Intent.IntentJson.TryParse(intentJson, out _, out var errors).ShouldBeTrue(string.Join("; ", errors));
        var state = New2();
        state.Text = $"set password to {value} on db-credentials";
        state.IntentJson = intentJson;
        state.Reasons = [$"value {value} is new"];
        await Store.InsertAsync(state);
        state.CurrentState = "Executing";
        await Store.UpdateAsync(state, 1);

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var onDisk = string.Concat(new[] { path, path + "-wal" }.Where(File.Exists).Select(f => System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(f))));
        onDisk.ShouldContain("(redacted)");
        onDisk.ShouldNotContain(value);
        var loaded = (await new SqliteRequestStore(path, Protector).LoadAsync(state.CorrelationId))!;
        loaded.IntentJson.ShouldBe(intentJson);
        loaded.Text.ShouldBe(state.Text);
        loaded.Reasons.ShouldBe(state.Reasons);
        loaded.CurrentState.ShouldBe("Executing");
        (await Store.QueryAsync(new RequestQuery())).Single(r => r.CorrelationId == state.CorrelationId).IntentJson.ShouldBe(intentJson);

        var otherKey = new SqliteRequestStore(path, new AesGcmObjectProtector(new byte[32]));
        await Should.ThrowAsync<ObjectProtectionException>(() => otherKey.LoadAsync(state.CorrelationId));
    }

    private static RequestState New2() => new() { CorrelationId = Guid.NewGuid(), CurrentState = "Parsing", Principal = "bob", SubmittedAt = DateTimeOffset.UtcNow };

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }
    }
}

/// <summary>
/// The contract on a real MongoDB (<c>MONGODB_URI</c>, else Testcontainers where Docker runs); without a server every
/// test here is reported SKIPPED with the reason. Each test class instance gets its own database, dropped at the end.
/// </summary>
public sealed class MongoRequestStoreTests(MongoServer server) : RequestStoreContractTests, IClassFixture<MongoServer>, IAsyncDisposable
{
    private readonly string databaseName = "k8s_agent_requests_" + Guid.NewGuid().ToString("N");
    private MongoClient? client;
    private IRequestStore? store;

    protected override IRequestStore Store => store ??= new MongoRequestStore(Client.GetDatabase(databaseName), new AesGcmObjectProtector(new byte[32]));

    private MongoClient Client => client ??= new MongoClient(server.ConnectionString());

    [Fact]
    public async Task A_second_client_loses_the_race_against_the_first_with_the_same_exception()
    {
        var other = new MongoRequestStore(new MongoClient(server.ConnectionString()).GetDatabase(databaseName), new AesGcmObjectProtector(new byte[32]));
        var state = new RequestState { CorrelationId = Guid.NewGuid(), CurrentState = "Parsing", Principal = "carol", SubmittedAt = DateTimeOffset.UtcNow };
        await Store.InsertAsync(state);
        await Should.ThrowAsync<ConcurrencyException>(() => other.InsertAsync(RequestStateJson.Copy(state)));

        var mine = (await Store.LoadAsync(state.CorrelationId))!;
        var theirs = (await other.LoadAsync(state.CorrelationId))!;
        theirs.CurrentState = "Cancelled";
        await other.UpdateAsync(theirs, 1);
        mine.CurrentState = "Validating";

        await Should.ThrowAsync<ConcurrencyException>(() => Store.UpdateAsync(mine, 1));
        mine.Version.ShouldBe(1);
        (await Store.LoadAsync(state.CorrelationId))!.CurrentState.ShouldBe("Cancelled");
    }

    public async ValueTask DisposeAsync()
    {
        if (client is not null)
        {
            await client.DropDatabaseAsync(databaseName);
            client.Dispose();
        }
    }
}
