using k8s;
using k8s.Autorest;
using K8sAgentPlatform.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>
/// Asks the cluster for /version and /api/v1 when the host starts, so a service that cannot reach it, or whose
/// credentials it refuses, stops at once with the reason instead of failing every request later.
/// </summary>
public sealed class ClusterStartupCheck(IServiceProvider services, IOptions<KubernetesOptions> options, ILogger<ClusterStartupCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.CheckAtStart)
        {
            return;
        }

        var where = Describe(options.Value);
        IKubernetes client;
        try
        {
            client = (IKubernetes)services.GetService(typeof(IKubernetes))!;
        }
        catch (Exception e) when (e is KubeconfigException or k8s.Exceptions.KubeConfigException or IOException or YamlDotNet.Core.YamlException)
        {
            throw new PlatformStartException($"cannot use the Kubernetes configuration ({where}): {e.Message}", e);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.StartupTimeout);
        try
        {
            var version = await client.Version.GetCodeAsync(timeout.Token);
            // Clusters serve /version to anyone; discovery needs an authenticated user (but no RBAC grant), so it
            // tells whether the credentials are accepted.
            await client.CoreV1.GetAPIResourcesAsync(timeout.Token);
            logger.LogInformation("Kubernetes at {Server} answered: {Version}", client.BaseUri, version.GitVersion);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
        {
            throw new PlatformStartException(
                $"the cluster at {client.BaseUri} refused the credentials ({where}): {(int)e.Response.StatusCode} {e.Response.ReasonPhrase}. " +
                "Check the user's token or certificate, e.g. with kubectl version.", e);
        }
        catch (Exception e) when (e is HttpRequestException or HttpOperationException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var reason = e is OperationCanceledException ? $"no answer within {options.Value.StartupTimeout}" : e.Message;
            throw new PlatformStartException($"cannot reach the cluster at {client.BaseUri} ({where}): {reason}", e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string Describe(KubernetesOptions options) =>
        options.Host is { Length: > 0 } host ? $"Kubernetes:Host {host}"
        : options.InCluster ? "in-cluster service account"
        : options.Kubeconfig is { Length: > 0 } path ? $"kubeconfig {path}" + (options.Context is { } c ? $", context {c}" : "")
        : "KUBECONFIG or ~/.kube/config, or in-cluster";
}
