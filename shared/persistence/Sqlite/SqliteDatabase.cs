using Microsoft.Data.Sqlite;

namespace K8sAgentPlatform.Persistence.Sqlite;

/// <summary>
/// One SQLite file shared by the stores: WAL so readers never block the writer, a busy timeout so writers from
/// other threads or processes wait their turn instead of failing, and the schema created on first use.
/// </summary>
public sealed class SqliteDatabase
{
    private const int BusyTimeoutSeconds = 30;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS snapshots (
            id TEXT NOT NULL PRIMARY KEY,
            request_id TEXT NOT NULL,
            operation_index INTEGER NOT NULL,
            operation_json TEXT NULL,
            kind TEXT NOT NULL,
            api_version TEXT NOT NULL,
            namespace TEXT NULL,
            name TEXT NOT NULL,
            object_json TEXT NULL,
            sealed TEXT NULL,
            resource_version TEXT NULL,
            existed INTEGER NOT NULL,
            captured_at_us INTEGER NOT NULL,
            restored_at_us INTEGER NULL,
            consumed INTEGER NOT NULL DEFAULT 0,
            after_json TEXT NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS ux_snapshots_operation ON snapshots (request_id, operation_index);
        CREATE INDEX IF NOT EXISTS ix_snapshots_object ON snapshots (kind, namespace, name, captured_at_us);
        CREATE INDEX IF NOT EXISTS ix_snapshots_captured_at ON snapshots (captured_at_us);
        CREATE TABLE IF NOT EXISTS audit (
            sequence INTEGER NOT NULL PRIMARY KEY,
            at_ms INTEGER NOT NULL,
            action TEXT NOT NULL,
            principal TEXT NOT NULL,
            request_id TEXT NULL,
            detail TEXT NULL,
            outcome TEXT NULL,
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_audit_request ON audit (request_id, sequence);
        CREATE TABLE IF NOT EXISTS executions (
            request_id TEXT NOT NULL,
            operation_index INTEGER NOT NULL,
            snapshot_id TEXT NULL,
            started_at_us INTEGER NOT NULL,
            finished_at_us INTEGER NULL,
            outcome_json TEXT NULL,
            progress TEXT NULL,
            PRIMARY KEY (request_id, operation_index)
        );
        """;

    private readonly string connectionString;
    private readonly SemaphoreSlim initialization = new(1, 1);
    private volatile bool initialized;

    public SqliteDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = BusyTimeoutSeconds,
        }.ToString();
    }

    public string Path { get; }

    /// <summary>An open connection with the per-connection settings applied and the schema in place.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!initialized)
        {
            await InitializeAsync(cancellationToken);
        }

        return await OpenRawAsync(cancellationToken);
    }

    private async Task<SqliteConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, $"PRAGMA busy_timeout = {BusyTimeoutSeconds * 1000}; PRAGMA synchronous = NORMAL;", cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await initialization.WaitAsync(cancellationToken);
        try
        {
            if (initialized)
            {
                return;
            }

            var directory = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            await using var connection = await OpenRawAsync(cancellationToken);
            // journal_mode is a property of the file: set once, every later connection (any process) uses WAL.
            await ExecuteAsync(connection, "PRAGMA journal_mode = WAL;", cancellationToken);
            await using (var transaction = connection.BeginTransaction(deferred: false))
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = Schema;
                await command.ExecuteNonQueryAsync(cancellationToken);
                // Files made before these columns existed lack them.
                foreach (var (table, column) in new[] { ("snapshots", "after_json"), ("executions", "progress") })
                {
                    command.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'";
                    if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0)
                    {
                        command.CommandText = $"ALTER TABLE {table} ADD COLUMN {column} TEXT NULL";
                        await command.ExecuteNonQueryAsync(cancellationToken);
                    }
                }
                await transaction.CommitAsync(cancellationToken);
            }

            initialized = true;
        }
        finally
        {
            initialization.Release();
        }
    }

    internal static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
