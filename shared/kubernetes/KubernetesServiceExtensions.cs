using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
        services.AddHostedService<ClusterStartupCheck>(); // once per host, however many services add the client

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
}
