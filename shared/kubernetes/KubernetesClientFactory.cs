using k8s;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>
/// Builds a KubernetesClient from <see cref="KubernetesOptions"/>: an explicit host, else the in-cluster
/// service account when running in a pod (or asked to), else a kubeconfig and context. Every client retries
/// transient failures through <see cref="RetryingHandler"/>.
/// </summary>
public static class KubernetesClientFactory
{
    public static IKubernetes Create(KubernetesOptions options, TimeProvider? time = null, RetryDelay? delay = null) =>
        new k8s.Kubernetes(Configuration(options), new RetryingHandler(options.Retry, time, delay));

    public static KubernetesClientConfiguration Configuration(KubernetesOptions options)
    {
        if (options.Host is { Length: > 0 } host)
        {
            return new KubernetesClientConfiguration { Host = host, AccessToken = options.AccessToken };
        }

        if (options.InCluster || (options.Kubeconfig is null && KubernetesClientConfiguration.IsInCluster()))
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        return KubernetesClientConfiguration.BuildConfigFromConfigFile(
            kubeconfigPath: options.Kubeconfig,
            currentContext: options.Context);
    }
}
