using System.Text;
using K8sAgentPlatform.Persistence.Protection;
using K8sAgentPlatform.Persistence.Sqlite;
using Microsoft.Data.Sqlite;

namespace K8sAgentPlatform.Persistence.Tests.Contract;

public sealed class SqliteContractTests : PersistenceContract
{
    protected override Task<IStoreUnderTest> CreateAsync() => Task.FromResult<IStoreUnderTest>(new SqliteStoreUnderTest(Time));
}

/// <summary>A temporary SQLite file opened twice, as two processes would.</summary>
internal sealed class SqliteStoreUnderTest : IStoreUnderTest
{
    private readonly TempDirectory directory = new();
    private readonly AesGcmObjectProtector protector;

    public SqliteStoreUnderTest(TimeProvider time)
    {
        Path = System.IO.Path.Combine(directory.Path, "store.db");
        protector = new AesGcmObjectProtector(ProtectionKeys.LoadOrCreate(ProtectionKeys.KeyFileBeside(Path)));
        var one = new SqliteDatabase(Path);
        var two = new SqliteDatabase(Path);
        Snapshots = new SqliteSnapshotStore(one, protector);
        OtherSnapshots = new SqliteSnapshotStore(two, protector);
        Audit = new SqliteAuditLog(one, TestData.Chain, time);
        OtherAudit = new SqliteAuditLog(two, TestData.Chain, time);
        Executions = new SqliteExecutionRecordStore(one);
        OtherExecutions = new SqliteExecutionRecordStore(two);
    }

    public string Path { get; }

    public ISnapshotStore Snapshots { get; }

    public ISnapshotStore OtherSnapshots { get; }

    public IAuditLog Audit { get; }

    public IAuditLog OtherAudit { get; }

    public IExecutionRecordStore Executions { get; }

    public IExecutionRecordStore OtherExecutions { get; }

    public async Task<string> RawSnapshotAsync(string id)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM snapshots WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        var text = new StringBuilder();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            text.Append(reader.GetName(i)).Append('=').Append(reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        return text.ToString();
    }

    public Task<byte[]?> RawStorageAsync()
    {
        var bytes = new List<byte>();
        foreach (var file in new[] { Path, Path + "-wal" }.Where(File.Exists))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            bytes.AddRange(copy.ToArray());
        }

        return Task.FromResult<byte[]?>(bytes.ToArray());
    }

    public Task EditAuditDetailAsync(long sequence, string detail) =>
        ExecuteAsync("UPDATE audit SET detail = $value WHERE sequence = $sequence", ("$value", detail), ("$sequence", sequence));

    public Task ReplaceAuditEntryAsync(AuditEntry entry) =>
        ExecuteAsync(
            "UPDATE audit SET at_ms = $at, action = $action, principal = $principal, detail = $detail, outcome = $outcome, previous_hash = $previous, hash = $hash WHERE sequence = $sequence",
            ("$at", entry.At.ToUnixTimeMilliseconds()), ("$action", entry.Action), ("$principal", entry.Principal), ("$detail", (object?)entry.Detail ?? DBNull.Value),
            ("$outcome", (object?)entry.Outcome ?? DBNull.Value), ("$previous", entry.PreviousHash), ("$hash", entry.Hash), ("$sequence", entry.Sequence));

    public Task DeleteAuditEntryAsync(long sequence) =>
        ExecuteAsync("DELETE FROM audit WHERE sequence = $sequence", ("$sequence", sequence));

    public Task SwapAuditEntriesAsync(long first, long second) =>
        ExecuteAsync(
            """
            UPDATE audit SET sequence = -1 WHERE sequence = $first;
            UPDATE audit SET sequence = $first WHERE sequence = $second;
            UPDATE audit SET sequence = $second WHERE sequence = -1;
            """,
            ("$first", first),
            ("$second", second));

    public ValueTask DisposeAsync()
    {
        protector.Dispose();
        // Pooled connections keep the file open; release them before the directory goes.
        SqliteConnection.ClearAllPools();
        directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    private async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }
}

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "k8s-agent-persistence-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless; a failed cleanup must not fail the test.
        }
    }
}
