using Microsoft.Data.Sqlite;

namespace K8sAgentPlatform.Persistence.Sqlite;

/// <summary>Execution records in the <c>executions</c> table, keyed by (request_id, operation_index).</summary>
public sealed class SqliteExecutionRecordStore(SqliteDatabase database) : IExecutionRecordStore
{
    private const string Columns = "request_id, operation_index, snapshot_id, started_at_us, outcome_json";

    public async Task<ExecutionRecord?> FindAsync(Guid requestId, int operationIndex, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, requestId, operationIndex, cancellationToken);
    }

    public async Task<ExecutionRecord> StartAsync(ExecutionRecord started, CancellationToken cancellationToken = default)
    {
        ExecutionPayload.Validate(started);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = $"""
                INSERT INTO executions ({Columns}, finished_at_us)
                VALUES ($request_id, $operation_index, $snapshot_id, $started_at_us, $outcome_json, $finished_at_us)
                ON CONFLICT DO NOTHING
                """;
            Bind(insert, started);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        return await FindAsync(connection, started.RequestId, started.OperationIndex, cancellationToken)
            ?? throw new InvalidOperationException("An execution record written in this connection is not there.");
    }

    public async Task<ExecutionRecord> FinishAsync(Contracts.OperationExecuted outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var finished = new ExecutionRecord
        {
            RequestId = outcome.RequestId,
            OperationIndex = outcome.Index,
            SnapshotId = outcome.SnapshotId,
            StartedAt = outcome.StartedAt,
            Outcome = outcome,
        };
        ExecutionPayload.Validate(finished);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var upsert = connection.CreateCommand())
        {
            // One statement: of two finishers the first outcome stays (the WHERE skips a finished row).
            upsert.CommandText = $"""
                INSERT INTO executions ({Columns}, finished_at_us)
                VALUES ($request_id, $operation_index, $snapshot_id, $started_at_us, $outcome_json, $finished_at_us)
                ON CONFLICT (request_id, operation_index) DO UPDATE
                SET outcome_json = excluded.outcome_json,
                    finished_at_us = excluded.finished_at_us,
                    snapshot_id = COALESCE(executions.snapshot_id, excluded.snapshot_id)
                WHERE executions.outcome_json IS NULL
                """;
            Bind(upsert, finished);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        return await FindAsync(connection, outcome.RequestId, outcome.Index, cancellationToken)
            ?? throw new InvalidOperationException("An execution record written in this connection is not there.");
    }

    public async Task ReportProgressAsync(Guid requestId, int operationIndex, string progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(progress);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var update = connection.CreateCommand();
        update.CommandText = "UPDATE executions SET progress = $progress WHERE request_id = $request_id AND operation_index = $operation_index";
        update.Parameters.AddWithValue("$progress", progress);
        update.Parameters.AddWithValue("$request_id", requestId.ToString("D"));
        update.Parameters.AddWithValue("$operation_index", operationIndex);
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void Bind(SqliteCommand command, ExecutionRecord record)
    {
        command.Parameters.AddWithValue("$request_id", record.RequestId.ToString("D"));
        command.Parameters.AddWithValue("$operation_index", record.OperationIndex);
        command.Parameters.AddWithValue("$snapshot_id", (object?)record.SnapshotId ?? DBNull.Value);
        command.Parameters.AddWithValue("$started_at_us", SqliteTime.ToMicroseconds(record.StartedAt));
        command.Parameters.AddWithValue("$outcome_json", record.Outcome is { } outcome ? ExecutionPayload.OutcomeJson(outcome) : DBNull.Value);
        command.Parameters.AddWithValue("$finished_at_us", record.Outcome is { } done ? SqliteTime.ToMicroseconds(done.FinishedAt) : DBNull.Value);
    }

    private static async Task<ExecutionRecord?> FindAsync(SqliteConnection connection, Guid requestId, int operationIndex, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns}, progress FROM executions WHERE request_id = $request_id AND operation_index = $operation_index";
        command.Parameters.AddWithValue("$request_id", requestId.ToString("D"));
        command.Parameters.AddWithValue("$operation_index", operationIndex);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new ExecutionRecord
        {
            RequestId = Guid.ParseExact(reader.GetString(0), "D"),
            OperationIndex = reader.GetInt32(1),
            SnapshotId = reader.IsDBNull(2) ? null : reader.GetString(2),
            StartedAt = SqliteTime.FromMicroseconds(reader.GetInt64(3)),
            Outcome = reader.IsDBNull(4) ? null : ExecutionPayload.ReadOutcome(reader.GetString(4)),
            Progress = reader.IsDBNull(5) ? null : reader.GetString(5),
        };
    }
}
