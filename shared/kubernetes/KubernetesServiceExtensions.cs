using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Kubernetes;

public static class KubernetesServiceExtensions
{
    /// <summary>
    /// Registers one retrying <see cref="IKubernetes"/> client built from the "Kubernetes" configuration
    /// section (validated at start), unless a client is registered already (tests, the embedded host).
    /// </summary>
    public static IServiceCollection AddKubernetesClient(this IServiceCollection services, Action<KubernetesOptions>? configure = null)
    {
        var builder = services.AddOptions<KubernetesOptions>().BindConfiguration(KubernetesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubernetes>(sp => KubernetesClientFactory.Create(
            sp.GetRequiredService<IOptions<KubernetesOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        if (!services.Any(d => d.ServiceType == typeof(ClusterStartupMarker)))
        {
            services.AddSingleton<ClusterStartupMarker>();
            services.AddHostedService(sp => sp.GetRequiredService<IOptions<KubernetesOptions>>().Value.CheckAtStart
                ? (IHostedService)ActivatorUtilities.CreateInstance<ClusterStartupCheck>(sp)
                : new NoStartupCheck());
        }

        return services;
    }

    /// <summary>
    /// The Kubernetes client plus what changing and restoring objects needs (object access, rollout verification,
    /// snapshot restore), each unless registered already: the executor and the rollback service share one set when
    /// they run in one process. <paramref name="maxConflictRetries"/> reads the registering service's option.
    /// </summary>
    public static IServiceCollection AddKubernetesChangeSupport(this IServiceCollection services, Func<IServiceProvider, int> maxConflictRetries)
    {
        services.AddKubernetesClient();
        services.TryAddSingleton(sp => new KubernetesObjects(sp.GetRequiredService<IKubernetes>()));
        services.TryAddSingleton(sp => new RolloutVerifier(sp.GetRequiredService<IKubernetes>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new SnapshotRestorer(
            sp.GetRequiredService<KubernetesObjects>(),
            sp.GetRequiredService<RolloutVerifier>(),
            maxConflictRetries(sp)));
        return services;
    }

    /// <summary>Registered once with the start check, so hosts that add several Kubernetes services check the cluster once.</summary>
    private sealed class ClusterStartupMarker;

    private sealed class NoStartupCheck : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
