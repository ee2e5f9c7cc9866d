using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace K8sAgentPlatform.Persistence.Sqlite;

/// <summary>
/// One writer for one SQLite file in this process, committing in groups: a write waits in a queue, the writer takes
/// everything waiting, runs it in one IMMEDIATE transaction and completes each write only after that transaction
/// committed. Concurrent writers therefore never meet SQLite's busy lock inside the process (Microsoft.Data.Sqlite
/// answers a busy lock by putting the thread to sleep and retrying), and a group costs one commit, one fsync, instead
/// of one per write. A write that fails in the group's function fails the whole group: nothing of it is stored, and
/// every caller in it gets the exception.
/// </summary>
/// <typeparam name="TWrite">What a caller asks to write.</typeparam>
/// <typeparam name="TResult">What each write answers, in the order of the writes given to the group's function.</typeparam>
public sealed class SqliteGroupCommit<TWrite, TResult>
{
    private const int MaxGroup = 256;

    private readonly Func<CancellationToken, Task<SqliteConnection>> open;
    private readonly Func<SqliteConnection, SqliteTransaction, IReadOnlyList<TWrite>, Task<IReadOnlyList<TResult>>> writeGroup;
    private readonly ConcurrentQueue<Pending> waiting = new();
    private int writing;

    /// <param name="open">An open connection to the file, with its settings applied.</param>
    /// <param name="writeGroup">Writes a group inside the transaction it is given (which it must not commit) and answers one result per write.</param>
    public SqliteGroupCommit(Func<CancellationToken, Task<SqliteConnection>> open,
        Func<SqliteConnection, SqliteTransaction, IReadOnlyList<TWrite>, Task<IReadOnlyList<TResult>>> writeGroup)
    {
        this.open = open;
        this.writeGroup = writeGroup;
    }

    /// <summary>
    /// Completes once the write's transaction committed (or failed). Not cancellable once queued: a caller that stopped
    /// waiting could not tell whether its write landed.
    /// </summary>
    public Task<TResult> WriteAsync(TWrite write)
    {
        var pending = new Pending(write);
        waiting.Enqueue(pending);
        if (Interlocked.CompareExchange(ref writing, 1, 0) == 0)
        {
            _ = Task.Run(WriteWaitingAsync);
        }

        return pending.Done.Task;
    }

    private async Task WriteWaitingAsync()
    {
        while (true)
        {
            var group = new List<Pending>();
            while (group.Count < MaxGroup && waiting.TryDequeue(out var next))
            {
                group.Add(next);
            }

            if (group.Count == 0)
            {
                Volatile.Write(ref writing, 0);
                // A write queued after the queue looked empty and before the flag was cleared would otherwise wait for the next one.
                if (waiting.IsEmpty || Interlocked.CompareExchange(ref writing, 1, 0) != 0)
                {
                    return;
                }

                continue;
            }

            await CommitAsync(group);
        }
    }

    private async Task CommitAsync(List<Pending> group)
    {
        IReadOnlyList<TResult> results;
        try
        {
            await using var connection = await open(CancellationToken.None);
            await using var transaction = connection.BeginTransaction(deferred: false);
            results = await writeGroup(connection, transaction, group.Select(p => p.Write).ToList());
            if (results.Count != group.Count)
            {
                throw new InvalidOperationException($"A group of {group.Count} writes answered {results.Count} results.");
            }

            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            foreach (var pending in group)
            {
                pending.Done.TrySetException(e);
            }

            return;
        }

        for (var i = 0; i < group.Count; i++)
        {
            group[i].Done.TrySetResult(results[i]);
        }
    }

    private sealed class Pending(TWrite write)
    {
        public TWrite Write { get; } = write;

        // Callers continue on the thread pool, not inside the writer's loop.
        public TaskCompletionSource<TResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
