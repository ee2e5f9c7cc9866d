namespace K8sAgentPlatform.Orchestrator.Persistence;

/// <summary>
/// Tells waiters in this process that a request's saga instance was saved (by the saga repository, after the store
/// committed it), so the API can hold a GET until something happened instead of its clients polling the store.
/// Saves made by another orchestrator replica are not seen here; waiters re-read the store now and then for those.
/// </summary>
public sealed class RequestChanges
{
    private readonly Dictionary<Guid, Waiting> waiting = [];
    private TaskCompletionSource anySave = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next save of any request (the console's live updates); take it before reading, so no save in between is missed.</summary>
    public Task NextSave => Volatile.Read(ref anySave).Task;

    /// <summary>Registers for the next save of <paramref name="id"/>; register before reading, so no save in between is missed.</summary>
    public Subscription Subscribe(Guid id)
    {
        lock (waiting)
        {
            if (!waiting.TryGetValue(id, out var entry))
            {
                waiting[id] = entry = new Waiting();
            }

            entry.Count++;
            return new Subscription(this, id, entry);
        }
    }

    /// <summary>Whether something waits for the next save of <paramref name="id"/> (a GET ?wait in this process).</summary>
    internal bool IsWaitedFor(Guid id)
    {
        lock (waiting)
        {
            return waiting.ContainsKey(id);
        }
    }

    /// <summary>Wakes every subscriber of <paramref name="id"/>.</summary>
    public void Saved(Guid id)
    {
        Interlocked.Exchange(ref anySave, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        Waiting? entry;
        lock (waiting)
        {
            if (!waiting.Remove(id, out entry))
            {
                return;
            }
        }

        entry.Saved.TrySetResult();
    }

    private void Unsubscribe(Guid id, Waiting entry)
    {
        lock (waiting)
        {
            if (--entry.Count == 0 && waiting.TryGetValue(id, out var current) && current == entry)
            {
                waiting.Remove(id);
            }
        }
    }

    internal sealed class Waiting
    {
        public int Count { get; set; }
        public TaskCompletionSource Saved { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>One waiter's registration; <see cref="Saved"/> completes at the request's next save.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly RequestChanges owner;
        private readonly Guid id;
        private readonly Waiting entry;
        private bool disposed;

        internal Subscription(RequestChanges owner, Guid id, Waiting entry)
        {
            this.owner = owner;
            this.id = id;
            this.entry = entry;
        }

        public Task Saved => entry.Saved.Task;

        public void Dispose()
        {
            if (!disposed)
            {
                disposed = true;
                owner.Unsubscribe(id, entry);
            }
        }
    }
}
