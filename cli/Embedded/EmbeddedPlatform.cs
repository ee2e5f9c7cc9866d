using K8sAgentPlatform.Cli.Client;
using K8sAgentPlatform.Executor;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Intent;
using K8sAgentPlatform.KubeSandbox;
using K8sAgentPlatform.Orchestrator;
using K8sAgentPlatform.Orchestrator.Api;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Policy;
using K8sAgentPlatform.Remediation;
using K8sAgentPlatform.Rollback;
using K8sAgentPlatform.Security;
using K8sAgentPlatform.WebApi.Auth;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Cli.Embedded;

/// <summary>What the embedded platform should run against.</summary>
internal sealed record EmbeddedSettings(int Port, string? Kubeconfig, string? Seed, string DataDirectory, string? ClientConfigPath = null,
    IReadOnlyDictionary<string, string?>? Overrides = null, string? PolicyFile = null);

/// <summary>
/// Every service in one process: the same <c>Add&lt;Service&gt;</c> registrations and the same <see cref="PlatformHost"/>
/// (telemetry, /metrics, /healthz, /readyz) the separate services use, on the in-memory bus, with SQLite for the stores,
/// the sandbox cluster unless a kubeconfig is given, and the offline parser unless a model key is configured.
/// Nothing here is a second implementation.
/// </summary>
internal sealed class EmbeddedPlatform : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly SandboxServer? sandbox;

    private EmbeddedPlatform(WebApplication app, SandboxServer? sandbox, string url, string clientConfig)
    {
        this.app = app;
        this.sandbox = sandbox;
        Url = url;
        ClientConfigPath = clientConfig;
    }

    public string Url { get; }
    public string ClientConfigPath { get; }
    public string? SandboxUrl => sandbox?.BaseUrl;

    /// <summary>The host's services, for tests that look inside (e.g. the remediation coordinator).</summary>
    internal IServiceProvider Services => app.Services;

    /// <summary>A client of the sandbox cluster, or null when running against a kubeconfig.</summary>
    internal k8s.Kubernetes? CreateSandboxClient() => sandbox?.CreateClient();

    public static async Task<EmbeddedPlatform> StartAsync(EmbeddedSettings settings, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.DataDirectory);
        var sandbox = settings.Kubeconfig is null
            ? await SandboxServer.StartAsync(new SandboxOptions { Port = 0, Seed = settings.Seed ?? "demo" }, cancellationToken)
            : null;

        var tokensFile = Path.Combine(settings.DataDirectory, "tokens.json");
        var tokens = EnsureTokens(tokensFile);
        // One process signs and verifies; the key pair stays in the data directory (the private half owner-only).
        var signingKey = Path.Combine(settings.DataDirectory, "authorization.pem");
        AuthorizationKeys.EnsureKeyPair(signingKey);
        var builder = PlatformHost.CreateBuilder([], "k8s-agent");
        builder.WebHost.UseUrls($"http://127.0.0.1:{settings.Port}");
        // The same sections the separate services read; the embedded choices (in-memory bus, SQLite files in the
        // data directory, the client's tokens) come first so the environment, the CLI's config and flags override them.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Auth:TokensFile"] = tokensFile,
                ["Bus:Transport"] = "inmemory",
                ["Persistence:Provider"] = "sqlite",
                ["Persistence:SqlitePath"] = Path.Combine(settings.DataDirectory, "platform.db"),
                [OrchestratorExtensions.RequestsDatabaseKey] = Path.Combine(settings.DataDirectory, "requests.db"),
                ["Orchestrator:EmergencyStopFile"] = Path.Combine(settings.DataDirectory, "emergency-stop.json"),
                ["Authorization:SigningKeyFile"] = signingKey,
                ["Authorization:VerificationKeyFiles:0"] = AuthorizationKeys.PublicKeyPath(signingKey),
            },
        });
        builder.Configuration.AddConfiguration(CliConfiguration.Build());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kubernetes:Kubeconfig"] = settings.Kubeconfig,
            ["Policy:File"] = settings.PolicyFile,
            ["Bus:Transport"] = "inmemory",
        }.Where(kv => kv.Value is not null));
        builder.Configuration.AddInMemoryCollection(settings.Overrides ?? new Dictionary<string, string?>());
        // A terminal, not a log collector: warnings and errors as single lines.
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);

        if (sandbox is not null)
        {
            builder.Services.AddSingleton<IKubernetes>(sandbox.CreateClient());
        }

        builder.AddOrchestratorService();
        builder.AddIntentService();
        builder.AddPolicyService();
        builder.AddExecutorService();
        builder.AddRollbackService();
        builder.AddRemediationService();
        var app = builder.BuildPlatform();
        await app.StartAsync(cancellationToken);
        var url = app.Urls.First();
        var clientConfig = ClientSettings.Save(url, tokens, settings.ClientConfigPath);
        return new EmbeddedPlatform(app, sandbox, url, clientConfig);
    }

    /// <summary>
    /// With no tokens configured, an admin token and a separate approver token are created once (only their
    /// hashes on the server side) so nothing is open, and the client finds them in its config file.
    /// </summary>
    private static Dictionary<string, string> EnsureTokens(string tokensFile)
    {
        // The plain tokens exist only in the client's file; a new server run issues fresh ones.
        if (File.Exists(tokensFile))
        {
            File.Delete(tokensFile);
        }

        return new Dictionary<string, string>
        {
            ["admin"] = TokenFile.AddToken(tokensFile, "admin", ApiRole.Admin),
            ["approver"] = TokenFile.AddToken(tokensFile, "approver", ApiRole.Approver),
        };
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        if (sandbox is not null)
        {
            await sandbox.DisposeAsync();
        }
    }
}
