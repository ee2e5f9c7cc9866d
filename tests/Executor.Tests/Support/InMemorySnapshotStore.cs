using System.Collections.Concurrent;
using K8sAgentPlatform.Persistence;

namespace K8sAgentPlatform.Executor.Tests.Support;

/// <summary>The ISnapshotStore contract in memory (the real stores live in the persistence project).</summary>
internal sealed class InMemorySnapshotStore : ISnapshotStore
{
    private readonly ConcurrentDictionary<string, SnapshotDocument> byId = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    public IReadOnlyList<SnapshotDocument> All => byId.Values.OrderBy(s => s.CapturedAt).ToArray();

    public Task<SnapshotDocument> SaveAsync(SnapshotDocument snapshot, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var existing = byId.Values.FirstOrDefault(s => s.RequestId == snapshot.RequestId && s.OperationIndex == snapshot.OperationIndex);
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            byId[snapshot.Id] = snapshot;
            return Task.FromResult(snapshot);
        }
    }

    public Task<SnapshotDocument?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(byId.TryGetValue(id, out var s) ? s : null);

    public Task<SnapshotDocument?> FindForOperationAsync(Guid requestId, int operationIndex, CancellationToken cancellationToken = default) =>
        Task.FromResult(byId.Values.FirstOrDefault(s => s.RequestId == requestId && s.OperationIndex == operationIndex));

    public Task<SnapshotDocument?> LatestUnconsumedAsync(string kind, string? @namespace, string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(byId.Values
            .Where(s => !s.Consumed && s.Kind == kind && s.Namespace == @namespace && s.Name == name)
            .OrderByDescending(s => s.CapturedAt)
            .FirstOrDefault());

    public Task<IReadOnlyList<SnapshotDocument>> ListAsync(SnapshotQuery query, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<SnapshotDocument>>(byId.Values
            .Where(s => (query.Namespace is null || s.Namespace == query.Namespace) && (query.Kind is null || s.Kind == query.Kind)
                && (query.Name is null || s.Name == query.Name) && (query.RequestId is null || s.RequestId == query.RequestId)
                && (query.Consumed is null || s.Consumed == query.Consumed))
            .OrderByDescending(s => s.CapturedAt)
            .Take(query.Limit)
            .ToArray());

    public Task<bool> RecordAfterAsync(string id, string afterJson, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (!byId.TryGetValue(id, out var s))
            {
                return Task.FromResult(false);
            }

            byId[id] = s with { AfterJson = afterJson };
            return Task.FromResult(true);
        }
    }

    public Task<bool> MarkConsumedAsync(string id, DateTimeOffset restoredAt, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (!byId.TryGetValue(id, out var s) || s.Consumed)
            {
                return Task.FromResult(false);
            }

            byId[id] = s with { Consumed = true, RestoredAt = restoredAt };
            return Task.FromResult(true);
        }
    }

    public Task<long> CountUnconsumedAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult((long)byId.Values.Count(s => !s.Consumed));
}
