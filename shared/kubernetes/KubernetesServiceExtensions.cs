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
        return services;
    }
}
