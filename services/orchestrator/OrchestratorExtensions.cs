using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Orchestrator.Monitoring;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Orchestrator.StateMachines;
using K8sAgentPlatform.Orchestrator.Sweeping;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace K8sAgentPlatform.Orchestrator;

public static class OrchestratorExtensions
{
    /// <summary>The request saga, persisted through whatever <see cref="IRequestStore"/> is registered.</summary>
    public static IBusRegistrationConfigurator AddRequestSaga(this IBusRegistrationConfigurator bus)
    {
        bus.AddSagaStateMachine<RequestStateMachine, RequestState, RequestStateDefinition>()
            .Repository(r =>
            {
                r.RegisterLoadSagaRepository<RequestState, StoreSagaRepositoryContextFactory>();
                r.RegisterQuerySagaRepository<RequestState, StoreSagaRepositoryContextFactory>();
                r.RegisterSagaRepository<RequestState, IRequestStore, SagaConsumeContextFactory<IRequestStore, RequestState>, StoreSagaRepositoryContextFactory>();
            });
        return bus;
    }

    /// <summary>Options and time for the saga; the store defaults to memory unless one is registered first.</summary>
    public static IServiceCollection AddOrchestratorCore(this IServiceCollection services)
    {
        services.AddOptions<OrchestratorOptions>().BindConfiguration(OrchestratorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IRequestStore, InMemoryRequestStore>();
        services.TryAddSingleton<ConfirmationSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<ConfirmationSweeper>());
        services.AddPlatformMetrics();
        services.AddHostedService<RequestStateGauges>();
        return services;
    }
}
