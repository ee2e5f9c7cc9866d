using k8s;
using K8sAgentPlatform.Executor.Consumers;
using K8sAgentPlatform.Executor.Execution;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Kubernetes;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Executor;

public static class ExecutorServiceExtensions
{
    /// <summary>
    /// Registers the executor: options from the "Executor" section (validated at start), the Kubernetes client
    /// (unless one is registered already), and in-memory execution records unless a persistent
    /// <see cref="IExecutionRecords"/> is registered. An <c>ISnapshotStore</c> must be registered by the host.
    /// </summary>
    public static IServiceCollection AddExecutorService(this IServiceCollection services, Action<ExecutorOptions>? configure = null)
    {
        var builder = services.AddOptions<ExecutorOptions>().BindConfiguration(ExecutorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.AddKubernetesClient();
        services.AddPlatformMetrics();
        services.AddHostedService<ActiveSnapshotsGauge>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new KubernetesObjects(sp.GetRequiredService<IKubernetes>()));
        services.TryAddSingleton(sp => new RolloutVerifier(sp.GetRequiredService<IKubernetes>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new SnapshotRestorer(
            sp.GetRequiredService<KubernetesObjects>(),
            sp.GetRequiredService<RolloutVerifier>(),
            sp.GetRequiredService<IOptions<ExecutorOptions>>().Value.MaxConflictRetries));
        services.TryAddSingleton<IExecutionRecords, InMemoryExecutionRecords>();
        services.TryAddSingleton<ExecutionGate>();
        services.TryAddSingleton<OperationExecutor>();
        return services;
    }

    /// <summary>Adds the executor's consumer to a bus; call inside AddMassTransit (or the test harness).</summary>
    public static IBusRegistrationConfigurator AddExecutorService(this IBusRegistrationConfigurator bus, Action<ExecutorOptions>? configure = null)
    {
        AddExecutorService((IServiceCollection)bus, configure);
        bus.AddConsumer<ExecuteOperationConsumer>();
        return bus;
    }
}
