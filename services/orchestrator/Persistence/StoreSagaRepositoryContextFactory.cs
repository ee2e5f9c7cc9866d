using System.Diagnostics;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Orchestrator.StateMachines;
using MassTransit;
using MassTransit.Context;
using MassTransit.Middleware;
using MassTransit.Saga;
using K8sAgentPlatform.Persistence;

namespace K8sAgentPlatform.Orchestrator.Persistence;

/// <summary>
/// The MassTransit saga repository over <see cref="IRequestStore"/>: load, then insert or update with a
/// version check. A lost race throws <see cref="ConcurrencyException"/>, which the saga definition retries. The audit
/// entries of a transition are appended only after its state is saved; then the API's waiters hear of it
/// (<see cref="RequestChanges"/>).
/// </summary>
public sealed class StoreSagaRepositoryContextFactory(IRequestStore store, ISagaConsumeContextFactory<IRequestStore, RequestState> factory, IAuditLog audit,
    RequestChanges changes)
    : ISagaRepositoryContextFactory<RequestState>, ILoadSagaRepositoryContextFactory<RequestState>, IQuerySagaRepositoryContextFactory<RequestState>
{
    public void Probe(ProbeContext context) => context.Add("persistence", store.GetType().Name);

    public Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<RequestState, T>> next) where T : class =>
        next.Send(new StoreSagaRepositoryContext<T>(store, context, factory, audit, changes));

    public async Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<RequestState> query, IPipe<SagaRepositoryQueryContext<RequestState, T>> next)
        where T : class
    {
        var matches = (await store.QueryAsync(new RequestQuery(Limit: int.MaxValue), context.CancellationToken)).Where(query.GetFilter()).ToList();
        var repositoryContext = new StoreSagaRepositoryContext<T>(store, context, factory, audit, changes);
        await next.Send(new LoadedSagaRepositoryQueryContext<RequestState, T>(repositoryContext, matches));
    }

    public Task<TResult> Execute<TResult>(Func<LoadSagaRepositoryContext<RequestState>, Task<TResult>> asyncMethod, CancellationToken cancellationToken = default)
        where TResult : class => asyncMethod(new StoreQueryContext(store, cancellationToken));

    public Task<TResult> Execute<TResult>(Func<QuerySagaRepositoryContext<RequestState>, Task<TResult>> asyncMethod, CancellationToken cancellationToken = default)
        where TResult : class => asyncMethod(new StoreQueryContext(store, cancellationToken));

    private sealed class StoreSagaRepositoryContext<T> : ConsumeContextScope<T>, SagaRepositoryContext<RequestState, T>
        where T : class
    {
        private readonly IRequestStore store;
        private readonly ConsumeContext<T> consumeContext;
        private readonly ISagaConsumeContextFactory<IRequestStore, RequestState> factory;
        private readonly IAuditLog audit;
        private readonly RequestChanges changes;

        public StoreSagaRepositoryContext(IRequestStore store, ConsumeContext<T> consumeContext, ISagaConsumeContextFactory<IRequestStore, RequestState> factory,
            IAuditLog audit, RequestChanges changes)
            : base(consumeContext, store)
        {
            this.store = store;
            this.consumeContext = consumeContext;
            this.factory = factory;
            this.audit = audit;
            this.changes = changes;
        }

        private readonly Dictionary<Guid, int> loadedVersions = [];

        public Task<SagaConsumeContext<RequestState, TMessage>> CreateSagaConsumeContext<TMessage>(ConsumeContext<TMessage> context, RequestState instance,
            SagaConsumeContextMode mode) where TMessage : class =>
            factory.CreateSagaConsumeContext(store, context, instance, mode);

        public Task<SagaConsumeContext<RequestState, T>> Add(RequestState instance) =>
            factory.CreateSagaConsumeContext(store, consumeContext, instance, SagaConsumeContextMode.Add);

        public async Task<SagaConsumeContext<RequestState, T>> Insert(RequestState instance)
        {
            using (StartSpan("saga insert", instance.CorrelationId))
            {
                await store.InsertAsync(instance, CancellationToken);
            }

            return await factory.CreateSagaConsumeContext(store, consumeContext, instance, SagaConsumeContextMode.Insert);
        }

        public async Task<SagaConsumeContext<RequestState, T>> Load(Guid correlationId)
        {
            RequestState? instance;
            using (StartSpan("saga load", correlationId))
            {
                instance = await store.LoadAsync(correlationId, CancellationToken);
            }

            if (instance is null)
            {
                return null!; // MassTransit's contract: null means "no such instance"
            }

            loadedVersions[correlationId] = instance.Version;
            return await factory.CreateSagaConsumeContext(store, consumeContext, instance, SagaConsumeContextMode.Load);
        }

        public async Task Save(SagaConsumeContext<RequestState> context)
        {
            using (StartSpan("saga insert", context.Saga.CorrelationId))
            {
                await store.InsertAsync(context.Saga, CancellationToken);
            }

            await AppendAuditAsync(context.Saga);
        }

        public async Task Update(SagaConsumeContext<RequestState> context)
        {
            using (StartSpan("saga update", context.Saga.CorrelationId))
            {
                await store.UpdateAsync(context.Saga, loadedVersions.TryGetValue(context.Saga.CorrelationId, out var version) ? version : context.Saga.Version,
                    CancellationToken);
            }

            await AppendAuditAsync(context.Saga);
        }

        /// <summary>The transition's entries, in order, now that it happened; then whoever waits for the request hears of it.</summary>
        private async Task AppendAuditAsync(RequestState saga)
        {
            using var activity = StartSpan("saga audit append", saga.CorrelationId);
            activity?.SetTag("k8s_agent.audit_entries", saga.PendingAudit.Count);
            foreach (var record in saga.PendingAudit)
            {
                await audit.AppendAsync(record, CancellationToken);
            }

            saga.PendingAudit.Clear();
            changes.Saved(saga.CorrelationId);
        }

        private static Activity? StartSpan(string name, Guid requestId)
        {
            var activity = PlatformTelemetry.Source.StartActivity(name);
            activity?.SetTag("k8s_agent.request_id", requestId.ToString("D"));
            return activity;
        }

        public Task Delete(SagaConsumeContext<RequestState> context) => store.DeleteAsync(context.Saga.CorrelationId, CancellationToken);

        public Task Discard(SagaConsumeContext<RequestState> context) => Task.CompletedTask;

        public Task Undo(SagaConsumeContext<RequestState> context) => Task.CompletedTask;
    }

    private sealed class StoreQueryContext(IRequestStore store, CancellationToken cancellationToken)
        : BasePipeContext(cancellationToken), QuerySagaRepositoryContext<RequestState>, LoadSagaRepositoryContext<RequestState>
    {
        public Task<RequestState> Load(Guid correlationId) => store.LoadAsync(correlationId, CancellationToken)!;

        public async Task<SagaRepositoryQueryContext<RequestState>> Query(ISagaQuery<RequestState> query, CancellationToken cancellationToken = default)
        {
            var matches = (await store.QueryAsync(new RequestQuery(Limit: int.MaxValue), cancellationToken)).Where(query.GetFilter()).ToList();
            return new LoadedSagaRepositoryQueryContext<RequestState>(this, matches);
        }
    }
}
