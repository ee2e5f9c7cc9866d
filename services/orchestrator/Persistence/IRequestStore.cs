using K8sAgentPlatform.Orchestrator.StateMachines;

namespace K8sAgentPlatform.Orchestrator.Persistence;

/// <summary>
/// Saga instances, stored whole with a version for optimistic concurrency. Backs the MassTransit saga
/// repository (<see cref="StoreSagaRepositoryContextFactory"/>) and the API's queries alike.
/// </summary>
public interface IRequestStore
{
    /// <summary>A copy of the instance, or null. Callers may change the copy freely.</summary>
    Task<RequestState?> LoadAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Stores a new instance with Version 1; a second insert of the same id throws <see cref="MassTransit.ConcurrencyException"/>.</summary>
    Task InsertAsync(RequestState state, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the instance if its stored version is <paramref name="expectedVersion"/>, and sets
    /// state.Version to the next one; otherwise throws <see cref="MassTransit.ConcurrencyException"/>.
    /// </summary>
    Task UpdateAsync(RequestState state, int expectedVersion, CancellationToken cancellationToken = default);

    Task DeleteAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Newest first.</summary>
    Task<IReadOnlyList<RequestState>> QueryAsync(RequestQuery query, CancellationToken cancellationToken = default);
}

/// <summary>
/// Filters for <see cref="IRequestStore.QueryAsync"/>; all optional. <c>DeadlineBefore</c> keeps the requests whose current
/// state's deadline (<see cref="RequestState.Deadline"/>) is before that instant.
/// </summary>
public sealed record RequestQuery(string? State = null, DateTimeOffset? DeadlineBefore = null, int Limit = 100);
