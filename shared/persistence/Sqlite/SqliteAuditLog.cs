using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Sqlite;

namespace K8sAgentPlatform.Persistence.Sqlite;

/// <summary>The audit chain in the <c>audit</c> table; appends take the write lock first, so the chain never forks.</summary>
public sealed class SqliteAuditLog(SqliteDatabase database, AuditChain chain, TimeProvider time) : IAuditLog
{
    private const string Columns = "sequence, at_ms, action, principal, request_id, detail, outcome, previous_hash, hash";

    public async Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await using var connection = await database.OpenAsync(cancellationToken);
        // BEGIN IMMEDIATE: the write lock is held from reading the last hash to inserting the next entry,
        // so appenders in other threads or processes queue on the busy timeout instead of linking to the same entry.
        await using var transaction = connection.BeginTransaction(deferred: false);

        long lastSequence = 0;
        var lastHash = AuditChain.Genesis;
        await using (var last = connection.CreateCommand())
        {
            last.Transaction = transaction;
            last.CommandText = "SELECT sequence, hash FROM audit ORDER BY sequence DESC LIMIT 1";
            await using var reader = await last.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                lastSequence = reader.GetInt64(0);
                lastHash = reader.GetString(1);
            }
        }

        var entry = chain.Link(record, lastSequence + 1, time.GetUtcNow(), lastHash);
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = $"INSERT INTO audit ({Columns}) VALUES ($sequence, $at_ms, $action, $principal, $request_id, $detail, $outcome, $previous_hash, $hash)";
            insert.Parameters.AddWithValue("$sequence", entry.Sequence);
            insert.Parameters.AddWithValue("$at_ms", SqliteTime.ToMilliseconds(entry.At));
            insert.Parameters.AddWithValue("$action", entry.Action);
            insert.Parameters.AddWithValue("$principal", entry.Principal);
            insert.Parameters.AddWithValue("$request_id", entry.RequestId is { } id ? id.ToString("D") : DBNull.Value);
            insert.Parameters.AddWithValue("$detail", (object?)entry.Detail ?? DBNull.Value);
            insert.Parameters.AddWithValue("$outcome", (object?)entry.Outcome ?? DBNull.Value);
            insert.Parameters.AddWithValue("$previous_hash", entry.PreviousHash);
            insert.Parameters.AddWithValue("$hash", entry.Hash);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return entry;
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        var sql = new StringBuilder($"SELECT {Columns} FROM audit WHERE sequence > $after");
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Parameters.AddWithValue("$after", query.AfterSequence);
        if (query.RequestId is { } requestId)
        {
            sql.Append(" AND request_id = $request_id");
            command.Parameters.AddWithValue("$request_id", requestId.ToString("D"));
        }

        if (query.Principal is not null)
        {
            sql.Append(" AND principal = $principal");
            command.Parameters.AddWithValue("$principal", query.Principal);
        }

        sql.Append(" ORDER BY sequence LIMIT $limit");
        command.Parameters.AddWithValue("$limit", query.Limit);
        command.CommandText = sql.ToString();

        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(Read(reader));
        }

        return entries;
    }

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default) =>
        await chain.VerifyAsync(ReadAllAsync(cancellationToken), cancellationToken);

    private async IAsyncEnumerable<AuditEntry> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM audit ORDER BY sequence";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return Read(reader);
        }
    }

    private static AuditEntry Read(SqliteDataReader row) => new()
    {
        Sequence = row.GetInt64(0),
        At = SqliteTime.FromMilliseconds(row.GetInt64(1)),
        Action = row.GetString(2),
        Principal = row.GetString(3),
        RequestId = row.IsDBNull(4) ? null : Guid.ParseExact(row.GetString(4), "D"),
        Detail = row.IsDBNull(5) ? null : row.GetString(5),
        Outcome = row.IsDBNull(6) ? null : row.GetString(6),
        PreviousHash = row.GetString(7),
        Hash = row.GetString(8),
    };
}
