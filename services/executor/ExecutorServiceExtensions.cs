using k8s;
using K8sAgentPlatform.Executor.Consumers;
using K8sAgentPlatform.Executor.Execution;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Policy;
using K8sAgentPlatform.Security;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using K8sAgentPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Executor;

public static class ExecutorServiceExtensions
{
    /// <summary>
    /// The executor (sections "Executor", "Kubernetes" and "Persistence", checked at start) and its consumer on the
    /// <see cref="Endpoints.Executor"/> queue.
    /// </summary>
    public static IHostApplicationBuilder AddExecutorService(this IHostApplicationBuilder builder)
    {
        builder.Services.AddPersistence(builder.Configuration);
        builder.AddPlatformConsumers(bus => bus.AddExecutorService());
        return builder;
    }

    /// <summary>
    /// Registers the executor: options from the "Executor" section (validated at start) and the Kubernetes client
    /// (unless one is registered already). The host registers persistence (<c>AddPersistence</c>,
    /// <c>AddSqlitePersistence</c> or <c>AddMongoPersistence</c>): the <c>ISnapshotStore</c> and the
    /// <c>IExecutionRecordStore</c>, which the start checks for. There is no in-memory fallback for the records:
    /// it would make a restarted executor forget what it applied.
    /// </summary>
    public static IServiceCollection AddExecutorService(this IServiceCollection services, Action<ExecutorOptions>? configure = null)
    {
        var builder = services.AddOptions<ExecutorOptions>().BindConfiguration(ExecutorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.AddKubernetesChangeSupport(sp => sp.GetRequiredService<IOptions<ExecutorOptions>>().Value.MaxConflictRetries);
        services.AddPlatformMetrics();
        services.AddAuthorizationVerification();
        services.AddPolicyEngine();
        services.AddHostedService<ActiveSnapshotsGauge>();
        services.AddOptions<ExecutorOptions>().Validate<IServiceProvider>(
            (_, provider) => provider.GetService<IExecutionRecordStore>() is not null && provider.GetService<ISnapshotStore>() is not null,
            "The executor needs persistence: register it with AddPersistence, AddSqlitePersistence or AddMongoPersistence (ISnapshotStore and IExecutionRecordStore).");
        services.TryAddSingleton<ExecutionGate>();
        services.AddOperationHandlers();
        return services;
    }

    /// <summary>Adds the executor's consumer to a bus; call inside AddMassTransit (or the test harness).</summary>
    public static IBusRegistrationConfigurator AddExecutorService(this IBusRegistrationConfigurator bus, Action<ExecutorOptions>? configure = null)
    {
        AddExecutorService((IServiceCollection)bus, configure);
        bus.AddConsumer<ExecuteOperationConsumer>().Endpoint(PlatformBus.CommandQueue(Endpoints.Executor));
        return bus;
    }
}
