namespace K8sAgentPlatform.Persistence.Tests.Contract;

/// <summary>
/// One fresh, isolated store for one test, seen through two instances (as two processes would see one file or
/// one database), plus the back doors a tamper test needs.
/// </summary>
public interface IStoreUnderTest : IAsyncDisposable
{
    ISnapshotStore Snapshots { get; }

    /// <summary>A second store instance on the same storage.</summary>
    ISnapshotStore OtherSnapshots { get; }

    IAuditLog Audit { get; }

    IExecutionRecordStore Executions { get; }

    /// <summary>A second execution record store on the same storage (a restarted executor).</summary>
    IExecutionRecordStore OtherExecutions { get; }

    IAuditLog OtherAudit { get; }

    /// <summary>Everything stored for the snapshot, as text: the row's columns or the BSON document.</summary>
    Task<string> RawSnapshotAsync(string id);

    /// <summary>Everything the storage holds, as bytes (the database files), or null where it cannot be read directly.</summary>
    Task<byte[]?> RawStorageAsync();

    /// <summary>Overwrites the detail of one audit entry behind the log's back.</summary>
    Task EditAuditDetailAsync(long sequence, string detail);

    /// <summary>Writes every field of an entry over the stored one with the same sequence (a database writer rewriting history).</summary>
    Task ReplaceAuditEntryAsync(AuditEntry entry);

    Task DeleteAuditEntryAsync(long sequence);

    /// <summary>Swaps every field but the sequence between two entries (an attacker reordering history).</summary>
    Task SwapAuditEntriesAsync(long first, long second);
}
