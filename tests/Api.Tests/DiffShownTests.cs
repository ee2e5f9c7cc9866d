using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using K8sAgentPlatform.Cli.Commands;
using K8sAgentPlatform.Cli.Embedded;
using K8sAgentPlatform.WebApi.Auth;

namespace K8sAgentPlatform.Api.Tests;

/// <summary>
/// What an approver is asked to approve is the change itself: on <c>serve</c>'s embedded platform (its demo sandbox),
/// a production change waits for confirmation and the API and <c>k8s-agent requests show</c> give the dry run's diff.
/// </summary>
public sealed class DiffShownTests : IAsyncLifetime
{
    private const string Token = "k8sa_diff-tests-admin-token";
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("diff-tests-");
    private EmbeddedPlatform platform = null!;

    public async ValueTask InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Tokens:0:Name"] = "root",
            ["Auth:Tokens:0:Sha256"] = TokenFile.Hash(Token),
            ["Auth:Tokens:0:Roles:0"] = "admin",
        };
        platform = await EmbeddedPlatform.StartAsync(new EmbeddedSettings(0, null, "demo", work.FullName,
            Path.Combine(work.FullName, "client.json"), settings, null), TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await platform.DisposeAsync();
        work.Delete(recursive: true);
    }

    [Fact]
    public async Task Requests_show_prints_the_old_and_new_replicas_of_a_scale_waiting_for_confirmation()
    {
        var id = await WaitingForConfirmation("scale web to 3 in production");

        var (exit, output, error) = await Cli("requests", "show", id.ToString());

        exit.ShouldBe(0, error);
        output.ShouldContain("Changes (live object -> the server's dry-run result):");
        output.ShouldContain("  operation 0:\n    spec.replicas: 2 -> 3\n");
        output.ShouldNotContain("\u001b[", customMessage: "redirected output is plain text");

        // The console shows the same diff as what the approver confirms.
        using var browser = ConsoleBrowser.Create(new Uri(platform.Url));
        await ConsoleBrowser.SignInAsync(browser, Token);
        var page = await browser.GetStringAsync($"/ui/requests/{id}", TestContext.Current.CancellationToken);
        page.ShouldContain("<tr><td>spec.replicas</td><td><del>2</del></td><td><ins>3</ins></td></tr>");
    }

    [Fact]
    public async Task Requests_show_prints_the_old_and_new_image_and_the_api_and_json_carry_the_diff()
    {
        var id = await WaitingForConfirmation("kubectl set image deployment/web web=registry.k8s.io/web:1.2.3 -n production");

        var (exit, output, error) = await Cli("requests", "show", id.ToString());
        var (jsonExit, json, _) = await Cli("requests", "show", id.ToString(), "--json");
        using var api = Api();
        var view = await api.GetFromJsonAsync<JsonElement>($"/api/requests/{id}", TestContext.Current.CancellationToken);

        exit.ShouldBe(0, error);
        output.ShouldContain("    spec.template.spec.containers[0].image: \"nginx:1.27.2\" -> \"registry.k8s.io/web:1.2.3\"\n");
        jsonExit.ShouldBe(0);
        // Written for a terminal or a pipe: a quote inside a value is \" as JSON requires, not \u0022.
        json.ShouldContain("\"before\": \"\\\"nginx:1.27.2\\\"\"");
        json.ShouldNotContain("\\u0022");
        foreach (var shown in new[] { view, JsonDocument.Parse(json).RootElement })
        {
            var change = shown.GetProperty("verdicts")[0].GetProperty("diff").EnumerateArray().Single();
            change.GetProperty("path").GetString().ShouldBe("spec.template.spec.containers[0].image");
            change.GetProperty("before").GetString().ShouldBe("\"nginx:1.27.2\"");
            change.GetProperty("after").GetString().ShouldBe("\"registry.k8s.io/web:1.2.3\"");
        }
    }

    private async Task<Guid> WaitingForConfirmation(string text)
    {
        using var api = Api();
        var response = await api.PostAsJsonAsync("/api/requests", new { text }, TestContext.Current.CancellationToken);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetGuid();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement view = default;
        while (DateTime.UtcNow < deadline)
        {
            view = await api.GetFromJsonAsync<JsonElement>($"/api/requests/{id}", TestContext.Current.CancellationToken);
            if (view.GetProperty("state").GetString() is "AwaitingConfirmation")
            {
                return id;
            }

            view.GetProperty("final").GetBoolean().ShouldBeFalse(view.ToString());
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"request {id} did not wait for confirmation within 60 s; last seen: {view}");
    }

    private HttpClient Api()
    {
        var client = new HttpClient { BaseAddress = new Uri(platform.Url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    /// <summary>`k8s-agent ARGS` in-process with the client config <c>serve</c> wrote; output redirected, as in a pipe.</summary>
    private async Task<(int Exit, string Output, string Error)> Cli(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter();
        var root = new RootCommand { RequestsCommand.Create() };
        var exit = await root.Parse([.. args, "--config", platform.ClientConfigPath])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
