using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using K8sAgentPlatform.KubeSandbox;

namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// The whole platform as five processes (intent, policy, executor, rollback, orchestrator with the API) on
/// RabbitMQ, against a seeded sandbox cluster. Each platform gets its own RabbitMQ virtual host, so platforms
/// started by different tests never consume each other's messages.
/// </summary>
public sealed class DistributedPlatform : IAsyncDisposable
{
    /// <summary>Principals with their roles; alice and bob are both approvers so "not the requester" is what stops alice.</summary>
    public static readonly IReadOnlyDictionary<string, string> Principals = new Dictionary<string, string>
    {
        ["alice"] = "approver",
        ["bob"] = "approver",
        ["admin"] = "admin",
        ["viewer"] = "viewer",
    };

    public static readonly IReadOnlySet<string> FinalStates = new HashSet<string>
    {
        "Completed", "Rejected", "Expired", "Cancelled", "RolledBack", "CompensationFailed", "Failed",
    };

    private static readonly (string Name, string Assembly)[] Services =
    [
        ("intent", "K8sAgentPlatform.Intent.dll"),
        ("policy", "K8sAgentPlatform.Policy.dll"),
        ("executor", "K8sAgentPlatform.Executor.dll"),
        ("rollback", "K8sAgentPlatform.Rollback.dll"),
        ("orchestrator", "K8sAgentPlatform.Orchestrator.dll"),
    ];

    private readonly Dictionary<string, ServiceProcess> processes = [];
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> environments = [];
    private readonly Dictionary<string, HttpClient> clients = [];
    private readonly DirectoryInfo work;
    private readonly Broker broker;

    private DistributedPlatform(Broker broker, string virtualHost, SandboxServer sandbox, DirectoryInfo work)
    {
        this.broker = broker;
        VirtualHost = virtualHost;
        Sandbox = sandbox;
        this.work = work;
    }

    public SandboxServer Sandbox { get; }
    public string VirtualHost { get; }
    public Broker Broker => broker;
    public string WorkDirectory => work.FullName;
    public ServiceProcess this[string service] => processes[service];

    /// <summary>
    /// Starts the five services; <paramref name="settings"/> adds or overrides environment variables for all of them,
    /// <paramref name="podReadyDelay"/> sets how long the sandbox's pods take to become ready (a slow rollout).
    /// </summary>
    public static async Task<DistributedPlatform> StartAsync(Broker broker, IReadOnlyDictionary<string, string>? settings = null, TimeSpan? podReadyDelay = null)
    {
        broker.Require();
        var virtualHost = $"e2e-{Guid.NewGuid():N}";
        var url = await broker.CreateVirtualHostAsync(virtualHost);
        var sandbox = await SandboxServer.StartAsync(new SandboxOptions { Seed = "demo", PodReadyDelay = podReadyDelay ?? new SandboxOptions().PodReadyDelay });
        var platform = new DistributedPlatform(broker, virtualHost, sandbox, Directory.CreateTempSubdirectory("k8s-agent-e2e-"));
        try
        {
            var common = new Dictionary<string, string>
            {
                ["Bus__Transport"] = "rabbitmq",
                ["Bus__RabbitMqUrl"] = url,
                ["Persistence__Provider"] = "sqlite",
                ["Persistence__SqlitePath"] = Path.Combine(platform.WorkDirectory, "platform.db"),
                ["Kubernetes__Host"] = sandbox.BaseUrl,
                ["Executor__Verification__FailureGrace"] = "00:00:05",
                ["Orchestrator__RequestsDatabase"] = Path.Combine(platform.WorkDirectory, "requests.db"),
            };
            var index = 0;
            foreach (var (name, role) in Principals)
            {
                common[$"Auth__Tokens__{index}__Name"] = name;
                common[$"Auth__Tokens__{index}__Sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(TokenOf(name))));
                common[$"Auth__Tokens__{index}__Roles__0"] = role;
                index++;
            }

            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                common[key] = value;
            }

            foreach (var (name, _) in Services)
            {
                platform.environments[name] = common;
            }

            await Task.WhenAll(Services.Select(s => platform.StartServiceAsync(s.Name)));
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    public static string TokenOf(string principal) => $"k8sa_e2e-{principal}-token";

    /// <summary>An API client authenticated as <paramref name="principal"/> (one of <see cref="Principals"/>).</summary>
    public HttpClient Api(string principal = "admin")
    {
        lock (clients)
        {
            if (!clients.TryGetValue(principal, out var client))
            {
                client = new HttpClient { BaseAddress = new Uri(processes["orchestrator"].Url) };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenOf(principal));
                clients[principal] = client;
            }

            return client;
        }
    }

    /// <summary>Submits a plain-language request as <paramref name="principal"/>; returns the request id.</summary>
    public async Task<string> SubmitAsync(string text, string principal = "admin")
    {
        var response = await Api(principal).PostAsJsonAsync("/api/requests", new { text }, TestContext.Current.CancellationToken);
        response.IsSuccessStatusCode.ShouldBeTrue($"submit answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetString()!;
    }

    public async Task<JsonElement> GetAsync(string id) =>
        await Api().GetFromJsonAsync<JsonElement>($"/api/requests/{id}", TestContext.Current.CancellationToken);

    /// <summary>Polls the request until its state is one of <paramref name="states"/>; fails with every service's log tail if it takes too long.</summary>
    public async Task<JsonElement> WaitForStateAsync(string id, IReadOnlySet<string> states, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (true)
        {
            JsonElement request;
            try
            {
                request = await GetAsync(id);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // the orchestrator may be restarting
                await Task.Delay(200, TestContext.Current.CancellationToken);
                continue;
            }

            var state = request.GetProperty("state").GetString()!;
            if (states.Contains(state))
            {
                return request;
            }

            (DateTime.UtcNow < deadline).ShouldBeTrue($"request {id} stayed {state}, expected {string.Join("|", states)}:\n{request}\n{Logs()}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    public Task<JsonElement> WaitForFinalStateAsync(string id, TimeSpan? timeout = null) => WaitForStateAsync(id, FinalStates, timeout);

    /// <summary>Ends a service at once, as a crash would.</summary>
    public void Kill(string service) => processes[service].Kill();

    /// <summary>Starts a service again with the environment it had (after <see cref="Kill"/>).</summary>
    public async Task RestartAsync(string service)
    {
        if (processes.Remove(service, out var old))
        {
            await old.DisposeAsync();
        }

        await StartServiceAsync(service);
    }

    /// <summary>The tail of every service's output, for failure messages.</summary>
    public string Logs()
    {
        lock (processes)
        {
            return string.Join("\n", processes.Values.Select(s => $"== {s.Name}{(s.HasExited ? " (exited)" : "")}\n{Tail(s.Output)}"));
        }
    }

    public bool AllRunning
    {
        get
        {
            lock (processes)
            {
                return processes.Values.All(s => !s.HasExited);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }

        foreach (var service in processes.Values)
        {
            await service.DisposeAsync();
        }

        await Sandbox.DisposeAsync();
        await broker.DeleteVirtualHostAsync(VirtualHost);
        work.Delete(recursive: true);
    }

    private async Task StartServiceAsync(string name)
    {
        var assembly = Services.Single(s => s.Name == name).Assembly;
        var process = await ServiceProcess.StartAsync(name, assembly, environments[name]);
        lock (processes)
        {
            processes[name] = process;
        }
    }

    private static string Tail(string text) => text.Length <= 3000 ? text : text[^3000..];
}
