using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using K8sAgentPlatform.Cli.Embedded;
using K8sAgentPlatform.WebApi.Auth;

namespace K8sAgentPlatform.Browser.Tests;

/// <summary>
/// <c>k8s-agent serve</c>'s embedded platform on its sandbox cluster, with three people: alice asks (operator), bob and
/// carol confirm (approvers). The API is how the tests set a scene up and check it; the console is what they drive.
/// </summary>
internal sealed class ConsolePlatform : IAsyncDisposable
{
    public const string Alice = "k8sa_browser-tests-alice";
    public const string Bob = "k8sa_browser-tests-bob";
    public const string Carol = "k8sa_browser-tests-carol";

    private readonly DirectoryInfo work;
    private readonly EmbeddedPlatform platform;

    private ConsolePlatform(DirectoryInfo work, EmbeddedPlatform platform)
    {
        this.work = work;
        this.platform = platform;
    }

    /// <summary>The platform's address without a trailing slash, e.g. http://127.0.0.1:41234.</summary>
    public string Url => platform.Url.TrimEnd('/');

    public IKubernetes Cluster => platform.CreateSandboxClient()!;

    public static async Task<ConsolePlatform> StartAsync()
    {
        var work = Directory.CreateTempSubdirectory("browser-tests-");
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Tokens:0:Name"] = "alice",
            ["Auth:Tokens:0:Sha256"] = TokenFile.Hash(Alice),
            ["Auth:Tokens:0:Roles:0"] = "operator",
            ["Auth:Tokens:1:Name"] = "bob",
            ["Auth:Tokens:1:Sha256"] = TokenFile.Hash(Bob),
            ["Auth:Tokens:1:Roles:0"] = "approver",
            ["Auth:Tokens:2:Name"] = "carol",
            ["Auth:Tokens:2:Sha256"] = TokenFile.Hash(Carol),
            ["Auth:Tokens:2:Roles:0"] = "approver",
            // As `k8s-agent demo` does: a rollout that cannot pull its image is judged failed after 5 s, not minutes.
            ["Executor:Verification:FailureGrace"] = "00:00:05",
        };
        try
        {
            var platform = await EmbeddedPlatform.StartAsync(new EmbeddedSettings(0, null, "demo", work.FullName,
                Path.Combine(work.FullName, "client.json"), settings), TestContext.Current.CancellationToken);
            return new ConsolePlatform(work, platform);
        }
        catch
        {
            work.Delete(recursive: true);
            throw;
        }
    }

    public HttpClient Api(string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(platform.Url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task<Guid> SubmitAsync(string token, string text)
    {
        using var api = Api(token);
        var response = await api.PostAsJsonAsync("/api/requests", new { text }, TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetGuid();
    }

    public async Task<JsonElement> GetAsync(Guid id)
    {
        using var api = Api(Alice);
        return await api.GetFromJsonAsync<JsonElement>($"/api/requests/{id}", TestContext.Current.CancellationToken);
    }

    public async Task ConfirmAsync(string token, Guid id)
    {
        using var api = Api(token);
        var response = await api.PostAsJsonAsync($"/api/requests/{id}/confirm", new { }, TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>The request as the API shows it once <paramref name="until"/> holds; fails with the last view at the deadline.</summary>
    public async Task<JsonElement> WaitForAsync(Guid id, Func<JsonElement, bool> until, string what, int seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var view = await GetAsync(id);
            if (until(view))
            {
                return view;
            }

            (DateTime.UtcNow < deadline).ShouldBeTrue($"request {id} did not become {what} within {seconds} s; it is {view}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The request once it waits for a confirmation; fails if it ended without waiting.</summary>
    public async Task<JsonElement> AwaitingConfirmationAsync(Guid id)
    {
        var view = await WaitForAsync(id, view => State(view) == "AwaitingConfirmation" || view.GetProperty("final").GetBoolean(), "AwaitingConfirmation");
        State(view).ShouldBe("AwaitingConfirmation", view.ToString());
        return view;
    }

    public static string? State(JsonElement view) => view.GetProperty("state").GetString();

    /// <summary>
    /// Waits until a seeded deployment has finished rolling out: a fresh sandbox is still rolling them out, and a status
    /// update while a request waits would (rightly) count as a change since approval and ask for a new confirmation round.
    /// </summary>
    public async Task SettledAsync(string ns, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var deployment = await Cluster.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: TestContext.Current.CancellationToken);
            if (deployment.Status?.ReadyReplicas == deployment.Spec.Replicas && deployment.Status?.UpdatedReplicas == deployment.Spec.Replicas
                && deployment.Status?.ObservedGeneration == deployment.Metadata.Generation)
            {
                return;
            }

            (DateTime.UtcNow < deadline).ShouldBeTrue($"{ns}/{name} did not settle");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await platform.DisposeAsync();
        work.Delete(recursive: true);
    }
}
