using System.Collections.Concurrent;
using K8sAgentPlatform.Contracts;

namespace K8sAgentPlatform.Executor.Execution;

/// <summary>
/// The outcome of every operation executed, by request and index: a redelivered ExecuteOperation republishes
/// the recorded outcome instead of applying the change twice.
/// </summary>
public interface IExecutionRecords
{
    Task<OperationExecuted?> FindAsync(Guid requestId, int index, CancellationToken cancellationToken = default);

    Task SaveAsync(OperationExecuted outcome, CancellationToken cancellationToken = default);
}

/// <summary>Records kept in memory: enough for one process (the embedded host, tests).</summary>
public sealed class InMemoryExecutionRecords : IExecutionRecords
{
    private readonly ConcurrentDictionary<(Guid, int), OperationExecuted> records = new();

    public Task<OperationExecuted?> FindAsync(Guid requestId, int index, CancellationToken cancellationToken = default) =>
        Task.FromResult(records.TryGetValue((requestId, index), out var found) ? found : null);

    public Task SaveAsync(OperationExecuted outcome, CancellationToken cancellationToken = default)
    {
        records.TryAdd((outcome.RequestId, outcome.Index), outcome);
        return Task.CompletedTask;
    }
}

/// <summary>One execution at a time per (request, index), so two deliveries of one command never race.</summary>
public sealed class ExecutionGate
{
    private readonly ConcurrentDictionary<(Guid, int), SemaphoreSlim> gates = new();

    public async Task<IDisposable> EnterAsync(Guid requestId, int index, CancellationToken cancellationToken)
    {
        var gate = gates.GetOrAdd((requestId, index), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
