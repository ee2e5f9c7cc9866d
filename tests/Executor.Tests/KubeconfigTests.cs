using k8s;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.KubeSandbox;
using K8sAgentPlatform.Kubernetes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Executor.Tests;

/// <summary>
/// Kubeconfigs as kubectl accepts them, read by the real KubernetesClient and used against the sandbox over HTTP,
/// and the start check that stops a service whose cluster is unreachable or refuses it.
/// </summary>
public sealed class KubeconfigTests : IDisposable
{
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("kubeconfig-tests");

    public void Dispose() => directory.Delete(recursive: true);

    [Fact]
    public async Task A_user_without_credentials_like_the_sandboxes_own_kubeconfig_sends_none_and_works()
    {
        await using var sandbox = await SandboxServer.StartAsync(new SandboxOptions { Port = 0, Seed = "demo" }, TestContext.Current.CancellationToken);
        var path = Path.Combine(directory.FullName, "sandbox.kubeconfig");
        sandbox.WriteKubeconfig(path);
        (await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken)).ShouldContain("user:\n    {}");

        var client = KubernetesClientFactory.Create(new KubernetesOptions { Kubeconfig = path });

        (await client.CoreV1.ListNamespaceAsync(cancellationToken: TestContext.Current.CancellationToken)).Items.ShouldContain(n => n.Metadata.Name == "staging");
    }

    [Fact]
    public async Task A_token_file_is_read_and_sent_as_the_bearer_token_relative_to_the_kubeconfig()
    {
        await using var sandbox = await SandboxServer.StartAsync(new SandboxOptions { Port = 0, Seed = "demo", Token = "sandbox-secret-token" },
            TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "token"), "sandbox-secret-token\n", TestContext.Current.CancellationToken);
        var path = WriteKubeconfig(sandbox.BaseUrl, "    tokenFile: token\n");

        var client = KubernetesClientFactory.Create(new KubernetesOptions { Kubeconfig = path });

        (await client.CoreV1.ListNamespaceAsync(cancellationToken: TestContext.Current.CancellationToken)).Items.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task A_token_in_the_kubeconfig_still_works_and_a_wrong_one_stops_the_start_check_with_the_reason()
    {
        await using var sandbox = await SandboxServer.StartAsync(new SandboxOptions { Port = 0, Seed = "demo", Token = "right" },
            TestContext.Current.CancellationToken);
        var good = WriteKubeconfig(sandbox.BaseUrl, "    token: right\n", "good");
        var bad = WriteKubeconfig(sandbox.BaseUrl, "    token: wrong\n", "bad");

        await StartCheck(new KubernetesOptions { Kubeconfig = good });
        var refused = await Should.ThrowAsync<PlatformStartException>(() => StartCheck(new KubernetesOptions { Kubeconfig = bad }));

        refused.Message.ShouldContain($"the cluster at {sandbox.BaseUrl}");
        refused.Message.ShouldContain("refused the credentials (kubeconfig " + bad);
        refused.Message.ShouldContain("401");
    }

    [Fact]
    public async Task An_unreachable_cluster_stops_the_start_check_naming_the_server_and_the_kubeconfig()
    {
        var port = FreePort();
        var path = WriteKubeconfig($"http://127.0.0.1:{port}", "    {}\n");

        var unreachable = await Should.ThrowAsync<PlatformStartException>(() =>
            StartCheck(new KubernetesOptions { Kubeconfig = path, Retry = new RetryOptions { MaxAttempts = 1 } }));

        unreachable.Message.ShouldStartWith($"cannot reach the cluster at http://127.0.0.1:{port}/ (kubeconfig {path})");
    }

    [Fact]
    public async Task A_missing_kubeconfig_or_context_is_named_at_start()
    {
        var missing = Path.Combine(directory.FullName, "nope");
        var noContext = WriteKubeconfig("http://127.0.0.1:1", "    {}\n");

        (await Should.ThrowAsync<PlatformStartException>(() => StartCheck(new KubernetesOptions { Kubeconfig = missing })))
            .Message.ShouldContain($"the kubeconfig {missing} does not exist");
        (await Should.ThrowAsync<PlatformStartException>(() => StartCheck(new KubernetesOptions { Kubeconfig = noContext, Context = "prod" })))
            .Message.ShouldContain("has no context 'prod'");
    }

    private static Task StartCheck(KubernetesOptions options)
    {
        var services = new ServiceCollection()
            .AddSingleton<IKubernetes>(_ => KubernetesClientFactory.Create(options))
            .BuildServiceProvider();
        return new ClusterStartupCheck(services, Options.Create(options), NullLogger<ClusterStartupCheck>.Instance).StartAsync(TestContext.Current.CancellationToken);
    }

    private string WriteKubeconfig(string server, string user, string name = "config")
    {
        var path = Path.Combine(directory.FullName, name);
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster:
                server: {server}
            users:
            - name: u
              user:
            {user}contexts:
            - name: ctx
              context:
                cluster: c
                user: u
            current-context: ctx

            """);
        return path;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
