using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Hosting;
using K8sAgentPlatform.KubeSandbox.Simulation;
using K8sAgentPlatform.KubeSandbox.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.KubeSandbox;

/// <summary>
/// A Kubernetes-API-compatible cluster in one process, on loopback: start it, point a client or
/// kubectl at it, dispose it.
/// </summary>
public sealed class SandboxServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> background = [];
    private readonly SandboxOptions options;

    private SandboxServer(WebApplication app, SandboxOptions options, ObjectStore store, FaultInjector faults, WriteLog writes, Simulator controller, X509Certificate2? ca)
    {
        Writes = writes;
        this.app = app;
        this.options = options;
        Store = store;
        Faults = faults;
        Controller = controller;
        CaCertificate = ca;
    }

    public string BaseUrl { get; private set; } = "";

    public ObjectStore Store { get; }

    public FaultInjector Faults { get; }

    /// <summary>Every write request answered (the controller's own changes are not requests and are not in it).</summary>
    public WriteLog Writes { get; }

    public Simulator Controller { get; }

    /// <summary>The generated CA that signed the server certificate (HTTPS only).</summary>
    public X509Certificate2? CaCertificate { get; }

    public static async Task<SandboxServer> StartAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        var store = new ObjectStore(options.TimeProvider);
        var faults = new FaultInjector(options.FaultSeed);
        var writes = new WriteLog(options.TimeProvider);
        var controller = new Simulator(store, options);
        X509Certificate2? ca = null;
        X509Certificate2? serverCertificate = null;
        if (options.UseHttps)
        {
            (ca, serverCertificate) = Certificates.Create();
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Embedded in tests or the CLI: the host must not take over Ctrl-C/SIGTERM from its owner.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                if (serverCertificate is not null)
                {
                    listen.UseHttps(serverCertificate);
                }
            });
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        var handler = new ApiHandler(store, faults, writes, options);
        app.Run(handler.HandleAsync);

        Seeding.Bootstrap(store, options);
        if (options.StateFile is { } file && File.Exists(file))
        {
            store.Import(JsonExtensions.ParseObject(await File.ReadAllTextAsync(file, cancellationToken)));
        }
        else if (options.Seed is { } seed)
        {
            Seeding.Apply(store, seed);
        }

        var server = new SandboxServer(app, options, store, faults, writes, controller, ca);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address.Replace("[::]", "127.0.0.1")).Port;
        server.BaseUrl = $"{(options.UseHttps ? "https" : "http")}://127.0.0.1:{port}";
        if (options.RunController)
        {
            server.background.Add(Task.Run(() => controller.RunAsync(server.stopping.Token)));
        }
        if (options.StateFile is not null)
        {
            server.background.Add(Task.Run(() => server.PersistAsync(server.stopping.Token)));
        }
        return server;
    }

    /// <summary>A KubernetesClient pointed at this server, with its token and CA.</summary>
    public Kubernetes CreateClient()
    {
        var config = new KubernetesClientConfiguration
        {
            Host = BaseUrl,
            AccessToken = options.Token,
        };
        if (CaCertificate is not null)
        {
            config.SslCaCerts = [X509CertificateLoader.LoadCertificate(CaCertificate.RawData)];
        }
        return new Kubernetes(config);
    }

    /// <summary>Writes a kubeconfig for kubectl: server URL, token, and for HTTPS the CA data.</summary>
    public void WriteKubeconfig(string path)
    {
        var cluster = new StringBuilder($"    server: {BaseUrl}\n");
        if (CaCertificate is not null)
        {
            var pem = CaCertificate.ExportCertificatePem();
            cluster.Append($"    certificate-authority-data: {Convert.ToBase64String(Encoding.ASCII.GetBytes(pem))}\n");
        }
        var user = options.Token is { Length: > 0 } token ? $"    token: {token}\n" : "    {}\n";
        var yaml = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: sandbox
              cluster:
            {cluster}users:
            - name: sandbox
              user:
            {user}contexts:
            - name: sandbox
              context:
                cluster: sandbox
                user: sandbox
                namespace: default
            current-context: sandbox

            """;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        File.WriteAllText(path, yaml);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await Task.WhenAll(background);
        await SaveStateAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        stopping.Dispose();
    }

    private async Task PersistAsync(CancellationToken cancellationToken)
    {
        var saved = Store.ResourceVersion;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), options.TimeProvider, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (Store.ResourceVersion != saved)
            {
                saved = Store.ResourceVersion;
                await SaveStateAsync();
            }
        }
    }

    private async Task SaveStateAsync()
    {
        if (options.StateFile is not { } file)
        {
            return;
        }
        var temp = file + ".tmp";
        await File.WriteAllTextAsync(temp, Store.Export().ToJsonString());
        File.Move(temp, file, overwrite: true);
    }
}

internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
