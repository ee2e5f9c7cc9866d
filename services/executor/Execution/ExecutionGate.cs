namespace K8sAgentPlatform.Executor.Execution;

/// <summary>One execution at a time per (request, index), so two deliveries of one command never race.</summary>
public sealed class ExecutionGate
{
    private readonly Lock sync = new();
    private readonly Dictionary<(Guid, int), Entry> entries = [];

    public async Task<IDisposable> EnterAsync(Guid requestId, int index, CancellationToken cancellationToken)
    {
        var key = (requestId, index);
        Entry entry;
        lock (sync)
        {
            if (!entries.TryGetValue(key, out entry!))
            {
                entry = new Entry();
                entries[key] = entry;
            }

            entry.Users++;
        }

        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(key, entry);
            throw;
        }

        return new Release(this, key, entry);
    }

    /// <summary>Counted under the lock so an entry is dropped only when nobody holds or awaits it: no growth, no orphaned waiter.</summary>
    private void Leave((Guid, int) key, Entry entry)
    {
        lock (sync)
        {
            if (--entry.Users == 0)
            {
                entries.Remove(key);
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }

    private sealed class Release(ExecutionGate gate, (Guid, int) key, Entry entry) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                entry.Semaphore.Release();
                gate.Leave(key, entry);
            }
        }
    }
}
