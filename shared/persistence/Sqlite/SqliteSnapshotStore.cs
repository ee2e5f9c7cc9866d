using System.Globalization;
using System.Text;
using K8sAgentPlatform.Persistence.Protection;
using Microsoft.Data.Sqlite;

namespace K8sAgentPlatform.Persistence.Sqlite;

/// <summary>Snapshots in the <c>snapshots</c> table; Secrets are sealed by <see cref="IObjectProtector"/> before they are written.</summary>
public sealed class SqliteSnapshotStore(SqliteDatabase database, IObjectProtector protector) : ISnapshotStore
{
    private const string Columns =
        "id, request_id, operation_index, operation_json, kind, api_version, namespace, name, object_json, sealed, " +
        "resource_version, existed, captured_at_us, restored_at_us, consumed, after_json";

    public async Task<SnapshotDocument> SaveAsync(SnapshotDocument snapshot, CancellationToken cancellationToken = default)
    {
        SnapshotPayload.Validate(snapshot);
        var stored = snapshot with
        {
            CapturedAt = SqliteTime.TruncateToMicroseconds(snapshot.CapturedAt),
            RestoredAt = snapshot.RestoredAt is { } restored ? SqliteTime.TruncateToMicroseconds(restored) : null,
        };
        var protect = SnapshotPayload.MustProtect(stored);

        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var insert = connection.CreateCommand())
        {
            // A redelivery keeps the first pre-change state; a clash on id alone is caught below (nothing is found
            // for this operation), as the MongoDB store does.
            insert.CommandText = $"""
                INSERT INTO snapshots ({Columns})
                VALUES ($id, $request_id, $operation_index, $operation_json, $kind, $api_version, $namespace, $name, $object_json,
                        $sealed, $resource_version, $existed, $captured_at_us, $restored_at_us, $consumed, $after_json)
                ON CONFLICT DO NOTHING
                """;
            insert.Parameters.AddWithValue("$id", stored.Id);
            insert.Parameters.AddWithValue("$request_id", stored.RequestId.ToString("D"));
            insert.Parameters.AddWithValue("$operation_index", stored.OperationIndex);
            insert.Parameters.AddWithValue("$operation_json", protect ? DBNull.Value : SnapshotPayload.OperationJson(stored.Operation));
            insert.Parameters.AddWithValue("$kind", stored.Kind);
            insert.Parameters.AddWithValue("$api_version", stored.ApiVersion);
            insert.Parameters.AddWithValue("$namespace", (object?)stored.Namespace ?? DBNull.Value);
            insert.Parameters.AddWithValue("$name", stored.Name);
            insert.Parameters.AddWithValue("$object_json", protect ? DBNull.Value : (object?)stored.ObjectJson ?? DBNull.Value);
            insert.Parameters.AddWithValue("$sealed", protect ? SnapshotPayload.Seal(protector, stored) : DBNull.Value);
            insert.Parameters.AddWithValue("$resource_version", (object?)stored.ResourceVersion ?? DBNull.Value);
            insert.Parameters.AddWithValue("$existed", stored.Existed ? 1 : 0);
            insert.Parameters.AddWithValue("$captured_at_us", SqliteTime.ToMicroseconds(stored.CapturedAt));
            insert.Parameters.AddWithValue("$restored_at_us", stored.RestoredAt is { } at ? SqliteTime.ToMicroseconds(at) : DBNull.Value);
            insert.Parameters.AddWithValue("$consumed", stored.Consumed ? 1 : 0);
            insert.Parameters.AddWithValue("$after_json", stored.AfterJson is { } after ? SnapshotPayload.StoreAfter(protector, stored, after) : DBNull.Value);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        return await FindForOperationAsync(connection, stored.RequestId, stored.OperationIndex, cancellationToken)
            ?? throw new InvalidOperationException($"Snapshot id {stored.Id} is already used by another operation.");
    }

    public async Task<SnapshotDocument?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await database.OpenAsync(cancellationToken);
        var found = await QueryAsync(connection, $"SELECT {Columns} FROM snapshots WHERE id = $id", [("$id", id)], cancellationToken);
        return found.SingleOrDefault();
    }

    public async Task<SnapshotDocument?> FindForOperationAsync(Guid requestId, int operationIndex, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindForOperationAsync(connection, requestId, operationIndex, cancellationToken);
    }

    public async Task<SnapshotDocument?> LatestUnconsumedAsync(string kind, string? @namespace, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(name);
        await using var connection = await database.OpenAsync(cancellationToken);
        var found = await QueryAsync(
            connection,
            $"""
            SELECT {Columns} FROM snapshots
            WHERE kind = $kind AND namespace IS $namespace AND name = $name AND consumed = 0
            ORDER BY captured_at_us DESC, rowid DESC LIMIT 1
            """,
            [("$kind", kind), ("$namespace", @namespace), ("$name", name)],
            cancellationToken);
        return found.SingleOrDefault();
    }

    public async Task<IReadOnlyList<SnapshotDocument>> ListAsync(SnapshotQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        var sql = new StringBuilder($"SELECT {Columns} FROM snapshots WHERE 1 = 1");
        var parameters = new List<(string, object?)>();
        if (query.Namespace is not null)
        {
            sql.Append(" AND namespace = $namespace");
            parameters.Add(("$namespace", query.Namespace));
        }

        if (query.Kind is not null)
        {
            sql.Append(" AND kind = $kind");
            parameters.Add(("$kind", query.Kind));
        }

        if (query.Name is not null)
        {
            sql.Append(" AND name = $name");
            parameters.Add(("$name", query.Name));
        }

        if (query.RequestId is { } requestId)
        {
            sql.Append(" AND request_id = $request_id");
            parameters.Add(("$request_id", requestId.ToString("D")));
        }

        if (query.Consumed is { } consumed)
        {
            sql.Append(" AND consumed = $consumed");
            parameters.Add(("$consumed", consumed ? 1 : 0));
        }

        sql.Append(" ORDER BY captured_at_us DESC, rowid DESC LIMIT $limit");
        parameters.Add(("$limit", query.Limit));

        await using var connection = await database.OpenAsync(cancellationToken);
        return await QueryAsync(connection, sql.ToString(), parameters, cancellationToken);
    }

    public async Task<bool> MarkConsumedAsync(string id, DateTimeOffset restoredAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var update = connection.CreateCommand();
        // One statement is atomic in SQLite: of several concurrent callers exactly one sees a row change.
        update.CommandText = "UPDATE snapshots SET consumed = 1, restored_at_us = $restored_at_us WHERE id = $id AND consumed = 0";
        update.Parameters.AddWithValue("$id", id);
        update.Parameters.AddWithValue("$restored_at_us", SqliteTime.ToMicroseconds(restoredAt));
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> RecordAfterAsync(string id, string afterJson, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(afterJson);
        if (await GetAsync(id, cancellationToken) is not { } snapshot)
        {
            return false;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var update = connection.CreateCommand();
        update.CommandText = "UPDATE snapshots SET after_json = $after_json WHERE id = $id";
        update.Parameters.AddWithValue("$id", id);
        update.Parameters.AddWithValue("$after_json", SnapshotPayload.StoreAfter(protector, snapshot, afterJson));
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<long> CountUnconsumedAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM snapshots WHERE consumed = 0";
        return Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private async Task<SnapshotDocument?> FindForOperationAsync(SqliteConnection connection, Guid requestId, int operationIndex, CancellationToken cancellationToken)
    {
        var found = await QueryAsync(
            connection,
            $"SELECT {Columns} FROM snapshots WHERE request_id = $request_id AND operation_index = $operation_index",
            [("$request_id", requestId.ToString("D")), ("$operation_index", operationIndex)],
            cancellationToken);
        return found.SingleOrDefault();
    }

    private async Task<IReadOnlyList<SnapshotDocument>> QueryAsync(
        SqliteConnection connection, string sql, IEnumerable<(string Name, object? Value)> parameters, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (parameterName, value) in parameters)
        {
            command.Parameters.AddWithValue(parameterName, value ?? DBNull.Value);
        }

        var result = new List<SnapshotDocument>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(Read(reader));
        }

        return result;
    }

    private SnapshotDocument Read(SqliteDataReader row)
    {
        var id = row.GetString(0);
        var (operation, objectJson) = row.IsDBNull(9)
            ? (SnapshotPayload.ReadOperation(row.GetString(3)), row.IsDBNull(8) ? null : row.GetString(8))
            : SnapshotPayload.Open(protector, id, row.GetString(9));
        return new SnapshotDocument
        {
            Id = id,
            RequestId = Guid.ParseExact(row.GetString(1), "D"),
            OperationIndex = row.GetInt32(2),
            Operation = operation,
            Kind = row.GetString(4),
            ApiVersion = row.GetString(5),
            Namespace = row.IsDBNull(6) ? null : row.GetString(6),
            Name = row.GetString(7),
            ObjectJson = objectJson,
            ResourceVersion = row.IsDBNull(10) ? null : row.GetString(10),
            Existed = row.GetInt64(11) != 0,
            CapturedAt = SqliteTime.FromMicroseconds(row.GetInt64(12)),
            RestoredAt = row.IsDBNull(13) ? null : SqliteTime.FromMicroseconds(row.GetInt64(13)),
            Consumed = row.GetInt64(14) != 0,
            AfterJson = row.IsDBNull(15) ? null : SnapshotPayload.ReadAfter(protector, id, isProtected: !row.IsDBNull(9), row.GetString(15)),
        };
    }
}
