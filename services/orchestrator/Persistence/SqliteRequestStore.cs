using K8sAgentPlatform.Orchestrator.StateMachines;
using K8sAgentPlatform.Persistence.Sqlite;
using MassTransit;
using K8sAgentPlatform.Persistence.Protection;
using Microsoft.Data.Sqlite;

namespace K8sAgentPlatform.Orchestrator.Persistence;

/// <summary>
/// Saga instances in a SQLite file (the embedded default), so a restart loses no request. The whole instance
/// is one JSON column; state, deadline and submission time are columns of their own for the queries.
/// Optimistic concurrency: an update only lands on the version it was loaded at.
/// Writes go through one writer that commits whatever is waiting in one transaction (<see cref="SqliteGroupCommit{TWrite, TResult}"/>), so
/// concurrent sagas neither wait on SQLite's busy retries nor pay one fsync each; every write still returns only once
/// its transaction is committed with synchronous = FULL.
/// </summary>
public sealed class SqliteRequestStore : IRequestStore
{
    private readonly string connectionString;
    private readonly SealedRequestJson json;
    private readonly SqliteGroupCommit<Statement, int> writes;

    public SqliteRequestStore(string path, IObjectProtector protector)
    {
        json = new SealedRequestJson(protector);
        connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        writes = new SqliteGroupCommit<Statement, int>(_ => Task.FromResult(OpenForWriting()), WriteGroupAsync);
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS requests (
                id TEXT PRIMARY KEY,
                state TEXT NOT NULL,
                version INTEGER NOT NULL,
                submitted_at INTEGER NOT NULL,
                deadline INTEGER NULL,
                body TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS requests_submitted ON requests(submitted_at);
            """);
        // Files written before every state had a deadline have confirmation_deadline instead.
        using (var columns = Command(connection, "SELECT COUNT(*) FROM pragma_table_info('requests') WHERE name = 'deadline'"))
        {
            if (Convert.ToInt64(columns.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                Execute(connection, "ALTER TABLE requests ADD COLUMN deadline INTEGER NULL");
            }
        }

        Execute(connection, "CREATE INDEX IF NOT EXISTS requests_deadline ON requests(deadline)");
    }

    public async Task<RequestState?> LoadAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = Command(connection, "SELECT body FROM requests WHERE id = $id", ("$id", id.ToString()));
        return await command.ExecuteScalarAsync(cancellationToken) is string body ? json.Deserialize(body) : null;
    }

    public async Task InsertAsync(RequestState state, CancellationToken cancellationToken = default)
    {
        state.Version = 1;
        var inserted = await writes.WriteAsync(new Statement("""
            INSERT INTO requests (id, state, version, submitted_at, deadline, body)
            VALUES ($id, $state, 1, $submitted, $deadline, $body)
            """, Columns(state)));
        if (inserted != 1)
        {
            throw new ConcurrencyException($"Request {state.CorrelationId} exists already.", typeof(RequestState), state.CorrelationId);
        }
    }

    public async Task UpdateAsync(RequestState state, int expectedVersion, CancellationToken cancellationToken = default)
    {
        var next = expectedVersion + 1;
        state.Version = next;
        var updated = await writes.WriteAsync(new Statement("""
            UPDATE requests SET state = $state, version = $next, submitted_at = $submitted, deadline = $deadline, body = $body
            WHERE id = $id AND version = $expected
            """, [.. Columns(state), ("$next", next), ("$expected", expectedVersion)]));
        if (updated != 1)
        {
            state.Version = expectedVersion;
            throw new ConcurrencyException($"Request {state.CorrelationId} changed since it was loaded (expected version {expectedVersion}).",
                typeof(RequestState), state.CorrelationId);
        }
    }

    public async Task DeleteAsync(Guid id, CancellationToken cancellationToken = default) =>
        await writes.WriteAsync(new Statement("DELETE FROM requests WHERE id = $id", [("$id", id.ToString())]));

    public async Task<IReadOnlyList<RequestState>> QueryAsync(RequestQuery query, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = Command(connection, """
            SELECT body FROM requests
            WHERE ($state IS NULL OR state = $state)
              AND ($before IS NULL OR (deadline IS NOT NULL AND deadline < $before))
            ORDER BY submitted_at DESC
            LIMIT $limit
            """,
            ("$state", query.State),
            ("$before", query.DeadlineBefore?.ToUnixTimeMilliseconds()),
            ("$limit", query.Limit));
        var found = new List<RequestState>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(json.Deserialize(reader.GetString(0)));
        }

        return found;
    }

    /// <summary>The group's statements in order, each answering the rows it changed; an insert of an existing id changes none.</summary>
    private static async Task<IReadOnlyList<int>> WriteGroupAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<Statement> group)
    {
        var changed = new int[group.Count];
        for (var i = 0; i < group.Count; i++)
        {
            await using var command = Command(connection, group[i].Sql, group[i].Parameters);
            command.Transaction = transaction;
            try
            {
                changed[i] = await command.ExecuteNonQueryAsync();
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19) // SQLITE_CONSTRAINT: the id exists; SQLite undoes that statement only
            {
                changed[i] = 0;
            }
        }

        return changed;
    }

    private sealed record Statement(string Sql, (string Name, object? Value)[] Parameters);

    private (string, object?)[] Columns(RequestState state) =>
    [
        ("$id", state.CorrelationId.ToString()),
        ("$state", state.CurrentState),
        ("$submitted", state.SubmittedAt.ToUnixTimeMilliseconds()),
        ("$deadline", state.Deadline?.ToUnixTimeMilliseconds()),
        ("$body", json.Serialize(state)),
    ];

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>FULL: a commit is on disk (the WAL fsynced) before any write in it is answered.</summary>
    private SqliteConnection OpenForWriting()
    {
        var connection = Open();
        Execute(connection, "PRAGMA synchronous = FULL");
        return connection;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        command.ExecuteNonQuery();
    }
}
