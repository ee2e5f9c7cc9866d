using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using K8sAgentPlatform.Cli.Embedded;
using K8sAgentPlatform.WebApi.Auth;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Remediation.Coordination;
using K8sAgentPlatform.Orchestrator.StateMachines;
using Microsoft.Extensions.DependencyInjection;

namespace K8sAgentPlatform.Remediation.Tests;

/// <summary>The embedded platform (every service, in-memory bus, the sandbox cluster) with remediation rules on.</summary>
internal sealed class TestPlatform : IAsyncDisposable
{
    public const string WebhookToken = "k8sa_test-alertmanager-webhook-token";
    public const string AdminToken = "k8sa_test-admin-token";
    public const string UnansweredAlertmanager = "http://127.0.0.1:9";

    private readonly DirectoryInfo work;

    private TestPlatform(EmbeddedPlatform platform, DirectoryInfo work)
    {
        Platform = platform;
        this.work = work;
    }

    public EmbeddedPlatform Platform { get; }
    public Uri Url => new(Platform.Url);
    public RemediationCoordinator Coordinator => Platform.Services.GetRequiredService<RemediationCoordinator>();
    public IRequestStore Store => Platform.Services.GetRequiredService<IRequestStore>();
    public string WorkDirectory => work.FullName;

    public static async Task<TestPlatform> StartAsync(string rulesYaml, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var work = Directory.CreateTempSubdirectory("remediation-tests-");
        var rules = Path.Combine(work.FullName, "rules.yaml");
        await File.WriteAllTextAsync(rules, rulesYaml);
        var overrides = new Dictionary<string, string?>
        {
            ["Remediation:RulesFile"] = rules,
            ["Remediation:WebhookTokenSha256"] = TokenFile.Hash(WebhookToken),
            // A port nothing answers on, unless a test names its Alertmanager: checks then end as unverified.
            ["Remediation:AlertmanagerUrl"] = UnansweredAlertmanager,
            ["Remediation:PollInterval"] = "00:00:00.200",
            ["Auth:Tokens:0:Name"] = "root",
            ["Auth:Tokens:0:Sha256"] = TokenFile.Hash(AdminToken),
            ["Auth:Tokens:0:Roles:0"] = "admin",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var platform = await EmbeddedPlatform.StartAsync(new EmbeddedSettings(0, null, "demo", work.FullName,
            Path.Combine(work.FullName, "client.json"), overrides), CancellationToken.None);
        return new TestPlatform(platform, work);
    }

    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async Task<IReadOnlyList<RequestState>> RequestsAsync() => await Store.QueryAsync(new RequestQuery(Limit: 1000));

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await Platform.DisposeAsync();
        try
        {
            work.Delete(recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold a file for a moment; the temp directory is cleaned by the OS.
        }
    }
}

public static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds, checking every 100 ms; fails with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeout} for: {what}");
            }

            await Task.Delay(100);
        }
    }

    public static Task HoldsAsync(Func<bool> condition, TimeSpan timeout, string what) => HoldsAsync(() => Task.FromResult(condition()), timeout, what);
}
