using System.Collections.Concurrent;
using K8sAgentPlatform.Orchestrator.StateMachines;
using MassTransit;

namespace K8sAgentPlatform.Orchestrator.Persistence;

/// <summary>Saga instances in memory, for tests and throwaway runs; the same contract as the durable stores.</summary>
public sealed class InMemoryRequestStore : IRequestStore
{
    private readonly ConcurrentDictionary<Guid, string> instances = new();
    private readonly Lock gate = new();

    public Task<RequestState?> LoadAsync(Guid id, CancellationToken cancellationToken = default) =>
        Task.FromResult(instances.TryGetValue(id, out var json) ? RequestStateJson.Deserialize(json) : null);

    public Task InsertAsync(RequestState state, CancellationToken cancellationToken = default)
    {
        state.Version = 1;
        if (!instances.TryAdd(state.CorrelationId, RequestStateJson.Serialize(state)))
        {
            throw new ConcurrencyException($"Request {state.CorrelationId} exists already.", typeof(RequestState), state.CorrelationId);
        }

        return Task.CompletedTask;
    }

    public Task UpdateAsync(RequestState state, int expectedVersion, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (!instances.TryGetValue(state.CorrelationId, out var json) || RequestStateJson.Deserialize(json).Version != expectedVersion)
            {
                throw new ConcurrencyException($"Request {state.CorrelationId} changed since it was loaded (expected version {expectedVersion}).",
                    typeof(RequestState), state.CorrelationId);
            }

            state.Version = expectedVersion + 1;
            instances[state.CorrelationId] = RequestStateJson.Serialize(state);
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken = default)
    {
        instances.TryRemove(id, out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RequestState>> QueryAsync(RequestQuery query, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<RequestState> found = instances.Values.Select(RequestStateJson.Deserialize)
            .Where(s => query.State is null || s.CurrentState == query.State)
            .Where(s => query.DeadlineBefore is null || s.Deadline is { } d && d < query.DeadlineBefore)
            .OrderByDescending(s => s.SubmittedAt)
            .Take(query.Limit)
            .ToList();
        return Task.FromResult(found);
    }
}
