using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using K8sAgentPlatform.KubeSandbox;

namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// Every service in its own process on RabbitMQ (intent, policy, executor, rollback, orchestrator with the
/// API), against the sandbox cluster, driven over HTTP like a user.
/// </summary>
public sealed class DistributedPlatformTests(Broker broker) : IAsyncLifetime
{
    private const string Token = "k8sa_e2e-distributed-test-token";
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("k8s-agent-e2e-");
    private readonly List<ServiceProcess> services = [];
    private SandboxServer? sandbox;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var service in services)
        {
            await service.DisposeAsync();
        }

        if (sandbox is not null)
        {
            await sandbox.DisposeAsync();
        }

        work.Delete(recursive: true);
    }

    [Fact]
    public async Task A_scale_in_staging_completes_without_confirmation_across_five_processes()
    {
        var url = broker.Require();
        sandbox = await SandboxServer.StartAsync(new SandboxOptions { Seed = "demo" });
        var common = new Dictionary<string, string>
        {
            ["Bus__Transport"] = "rabbitmq",
            ["Bus__RabbitMqUrl"] = url,
            ["Persistence__Provider"] = "sqlite",
            ["Persistence__SqlitePath"] = Path.Combine(work.FullName, "platform.db"),
            ["Kubernetes__Host"] = sandbox.BaseUrl,
            ["Executor__Verification__FailureGrace"] = "00:00:05",
        };
        var tasks = new[]
        {
            ("intent", "K8sAgentPlatform.Intent.dll"),
            ("policy", "K8sAgentPlatform.Policy.dll"),
            ("executor", "K8sAgentPlatform.Executor.dll"),
            ("rollback", "K8sAgentPlatform.Rollback.dll"),
        }.Select(s => ServiceProcess.StartAsync(s.Item1, s.Item2, common)).ToList();
        tasks.Add(ServiceProcess.StartAsync("orchestrator", "K8sAgentPlatform.Orchestrator.dll", new Dictionary<string, string>(common)
        {
            ["Orchestrator__RequestsDatabase"] = Path.Combine(work.FullName, "requests.db"),
            ["Auth__Tokens__0__Name"] = "e2e",
            ["Auth__Tokens__0__Sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Token))),
            ["Auth__Tokens__0__Roles__0"] = "admin",
        }));
        services.AddRange(await Task.WhenAll(tasks));
        var orchestrator = services.Single(s => s.Name == "orchestrator");
        using var http = new HttpClient { BaseAddress = new Uri(orchestrator.Url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        var submitted = await http.PostAsJsonAsync("/api/requests", new { text = "scale api to 2 in staging" }, TestContext.Current.CancellationToken);
        submitted.EnsureSuccessStatusCode();
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetString();

        var state = "";
        JsonElement request = default;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (state is not ("Completed" or "Rejected" or "Failed" or "RolledBack" or "Expired" or "CompensationFailed"))
        {
            (DateTime.UtcNow < deadline).ShouldBeTrue($"request {id} stayed {state}; logs:\n{string.Join("\n", services.Select(s => $"== {s.Name}\n{Tail(s.Output)}"))}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
            request = await http.GetFromJsonAsync<JsonElement>($"/api/requests/{id}", TestContext.Current.CancellationToken);
            state = request.GetProperty("state").GetString()!;
        }

        state.ShouldBe("Completed", request.ToString());
        var deployment = await k8s.AppsV1OperationsExtensions.ReadNamespacedDeploymentAsync(sandbox.CreateClient().AppsV1,
            name: "api", namespaceParameter: "staging", cancellationToken: TestContext.Current.CancellationToken);
        deployment.Spec.Replicas.ShouldBe(2);
        services.ShouldAllBe(s => !s.HasExited);
    }

    private static string Tail(string text) => text.Length <= 3000 ? text : text[^3000..];
}
