using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Orchestrator.Consumers;
using K8sAgentPlatform.Orchestrator.Monitoring;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Orchestrator.StateMachines;
using K8sAgentPlatform.Orchestrator.Sweeping;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Security;
using K8sAgentPlatform.Orchestrator.Safety;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using K8sAgentPlatform.Orchestrator.Api;

namespace K8sAgentPlatform.Orchestrator;

public static class OrchestratorExtensions
{
    public const string RequestsDatabaseKey = OrchestratorOptions.Section + ":RequestsDatabase";

    /// <summary>
    /// The orchestrator (sections "Orchestrator", "Auth", "Api", "Persistence", checked at start): the request saga
    /// and its store, the deadline sweeper and the HTTP API.
    /// </summary>
    public static IHostApplicationBuilder AddOrchestratorService(this IHostApplicationBuilder builder)
    {
        builder.Services.AddPersistence(builder.Configuration);
        builder.Services.AddRequestStore(builder.Configuration);
        builder.Services.AddOrchestratorCore();
        builder.Services.AddRequestApi(builder.Configuration);
        builder.AddPlatformConsumers(bus => bus.AddRequestSaga());
        builder.AddPlatformRoutes(routes => routes.MapRequestApi());
        return builder;
    }

    /// <summary>
    /// The request saga, persisted through whatever <see cref="IRequestStore"/> is registered, and the endpoint
    /// <see cref="Contracts.Endpoints.SubmitRequestJson"/> that feeds it SubmitRequests sent as plain JSON.
    /// </summary>
    public static IBusRegistrationConfigurator AddRequestSaga(this IBusRegistrationConfigurator bus)
    {
        bus.AddSagaStateMachine<RequestStateMachine, RequestState, RequestStateDefinition>()
            .Repository(r =>
            {
                r.RegisterLoadSagaRepository<RequestState, StoreSagaRepositoryContextFactory>();
                r.RegisterQuerySagaRepository<RequestState, StoreSagaRepositoryContextFactory>();
                r.RegisterSagaRepository<RequestState, IRequestStore, SagaConsumeContextFactory<IRequestStore, RequestState>, StoreSagaRepositoryContextFactory>();
            });
        bus.AddConsumer<SubmitRequestJsonConsumer, SubmitRequestJsonConsumerDefinition>();
        return bus;
    }

    /// <summary>
    /// The durable request store on the provider the shared <c>Persistence</c> section names (and after
    /// <c>AddPersistence</c>, whose MongoDB database it shares): MongoDB collection <c>requests</c>, or a SQLite file at
    /// <c>Orchestrator:RequestsDatabase</c> (default <c>k8s-agent/requests.db</c> in the user's data directory).
    /// </summary>
    public static IServiceCollection AddRequestStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var provider = configuration[$"{PersistenceOptions.Section}:{nameof(PersistenceOptions.Provider)}"]?.Trim();
        if (string.Equals(provider, PersistenceOptions.MongoDb, StringComparison.OrdinalIgnoreCase))
        {
            services.AddSingleton<IRequestStore>(sp => new MongoRequestStore(sp.GetRequiredService<MongoDB.Driver.IMongoDatabase>(), sp.GetRequiredService<K8sAgentPlatform.Persistence.Protection.IObjectProtector>()));
            return services;
        }

        var path = configuration[RequestsDatabaseKey] ?? Path.Combine(
            Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "k8s-agent", "requests.db");
        services.AddSingleton<IRequestStore>(sp =>
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            return new SqliteRequestStore(path, sp.GetRequiredService<K8sAgentPlatform.Persistence.Protection.IObjectProtector>());
        });
        return services;
    }

    /// <summary>Options and time for the saga; the store defaults to memory unless one is registered first.</summary>
    public static IServiceCollection AddOrchestratorCore(this IServiceCollection services)
    {
        services.AddOptions<OrchestratorOptions>().BindConfiguration(OrchestratorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddAuthorizationSigning();
        services.TryAddSingleton(sp => new EmergencyStop(
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<OrchestratorOptions>>().Value.EmergencyStopFile
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "k8s-agent", "emergency-stop.json"),
            sp.GetRequiredService<PlatformMetrics>()));
        services.TryAddSingleton<IRequestStore, InMemoryRequestStore>();
        services.TryAddSingleton<RequestChanges>();
        services.TryAddSingleton<DeadlineSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<DeadlineSweeper>());
        services.AddPlatformMetrics();
        services.AddHostedService<RequestStateGauges>();
        return services;
    }
}
