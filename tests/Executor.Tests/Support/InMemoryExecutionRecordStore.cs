using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Persistence;

namespace K8sAgentPlatform.Executor.Tests.Support;

/// <summary>The IExecutionRecordStore contract in memory (the real stores live in the persistence project).</summary>
internal sealed class InMemoryExecutionRecordStore : IExecutionRecordStore
{
    private readonly Dictionary<(Guid, int), ExecutionRecord> records = [];
    private readonly Lock gate = new();

    public Task ReportProgressAsync(Guid requestId, int operationIndex, string progress, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (records.TryGetValue((requestId, operationIndex), out var record))
            {
                records[(requestId, operationIndex)] = record with { Progress = progress };
            }

            return Task.CompletedTask;
        }
    }

    public Task<ExecutionRecord?> FindAsync(Guid requestId, int operationIndex, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return Task.FromResult(records.GetValueOrDefault((requestId, operationIndex)));
        }
    }

    public Task<ExecutionRecord> StartAsync(ExecutionRecord started, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var key = (started.RequestId, started.OperationIndex);
            if (!records.TryGetValue(key, out var existing))
            {
                records[key] = existing = started;
            }

            return Task.FromResult(existing);
        }
    }

    public Task<ExecutionRecord> FinishAsync(OperationExecuted outcome, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var key = (outcome.RequestId, outcome.Index);
            var existing = records.GetValueOrDefault(key);
            if (existing?.Outcome is null)
            {
                records[key] = existing = (existing ?? new ExecutionRecord
                {
                    RequestId = outcome.RequestId,
                    OperationIndex = outcome.Index,
                    SnapshotId = outcome.SnapshotId,
                    StartedAt = outcome.StartedAt,
                }) with { Outcome = outcome };
            }

            return Task.FromResult(existing);
        }
    }
}
