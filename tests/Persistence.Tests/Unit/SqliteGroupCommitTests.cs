using K8sAgentPlatform.Persistence.Sqlite;
using K8sAgentPlatform.Persistence.Tests.Contract;
using Microsoft.Data.Sqlite;

namespace K8sAgentPlatform.Persistence.Tests.Unit;

public sealed class SqliteGroupCommitTests : IDisposable
{
    private readonly TempDirectory directory = new();
    private readonly string connectionString;

    public SqliteGroupCommitTests()
    {
        connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory.Path, "group.db"), Pooling = true }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var create = connection.CreateCommand();
        create.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE items (value INTEGER NOT NULL UNIQUE)";
        create.ExecuteNonQuery();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        directory.Dispose();
    }

    [Fact]
    public async Task Concurrent_writes_are_all_stored_and_each_answers_its_own_result()
    {
        var writer = new SqliteGroupCommit<int, long>(OpenAsync, InsertAllAsync);

        var answers = await Task.WhenAll(Enumerable.Range(1, 200).Select(i => Task.Run(() => writer.WriteAsync(i))));

        answers.ShouldBe(Enumerable.Range(1, 200).Select(i => (long)i * 10));
        (await StoredAsync()).ShouldBe(Enumerable.Range(1, 200));
    }

    [Fact]
    public async Task A_group_that_fails_stores_nothing_and_fails_every_write_in_it_and_the_next_write_is_stored()
    {
        var failNext = true;
        var writer = new SqliteGroupCommit<int, long>(OpenAsync, async (connection, transaction, group) =>
        {
            var answers = await InsertAllAsync(connection, transaction, group);
            if (failNext)
            {
                failNext = false;
                throw new InvalidOperationException("the disk is full");
            }

            return answers;
        });

        await Should.ThrowAsync<InvalidOperationException>(() => writer.WriteAsync(1));
        (await writer.WriteAsync(2)).ShouldBe(20);

        (await StoredAsync()).ShouldBe([2]);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task<IReadOnlyList<long>> InsertAllAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<int> group)
    {
        var answers = new List<long>();
        foreach (var value in group)
        {
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO items (value) VALUES ($value)";
            insert.Parameters.AddWithValue("$value", value);
            await insert.ExecuteNonQueryAsync();
            answers.Add(value * 10L);
        }

        return answers;
    }

    private async Task<List<int>> StoredAsync()
    {
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT value FROM items ORDER BY value";
        var values = new List<int>();
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetInt32(0));
        }

        return values;
    }
}
