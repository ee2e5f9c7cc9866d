using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace K8sAgentPlatform.EndToEnd.Tests.Observability;

/// <summary>
/// The services' JSON logs (stdout, at Debug) while a Secret is changed and rolled back, with API tokens, an
/// OpenAI key and a cluster token configured: none of those strings may appear; the request id and the trace
/// id must.
/// </summary>
public sealed class LogSecrecyTests(Broker broker) : IAsyncLifetime
{
    private const string OpenAiKey = "sk-proj-LEAKCHECK-openai-key-0001";
    private const string ClusterToken = "LEAKCHECK-cluster-token-0002";
    private const string OldPassword = "LEAKCHECK-old-password-0003";
    private const string NewPassword = "LEAKCHECK-new-password-0004";

    private DistributedPlatform? platform;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (platform is not null)
        {
            await platform.DisposeAsync();
        }
    }

    [Fact]
    public async Task Logs_carry_request_and_trace_ids_but_never_tokens_keys_or_Secret_data()
    {
        broker.Require();
        platform = await DistributedPlatform.StartAsync(broker, new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Debug",
            ["Logging__Console__FormatterName"] = "json",
            ["OpenAI__ApiKey"] = OpenAiKey,
            // A closed port: the model call fails, and its failure is logged.
            ["OpenAI__BaseUrl"] = "http://127.0.0.1:9/v1",
            ["OpenAI__MaxRetries"] = "0",
            ["Kubernetes__AccessToken"] = ClusterToken,
        });
        var cluster = platform.Sandbox.CreateClient();
        await cluster.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "db-credentials", NamespaceProperty = "staging" },
            Data = new Dictionary<string, byte[]> { ["DB_PASSWORD"] = Encoding.UTF8.GetBytes(OldPassword) },
        }, namespaceParameter: "staging", cancellationToken: TestContext.Current.CancellationToken);

        var change = await platform.SubmitAsync($"set DB_PASSWORD={NewPassword} in secret db-credentials in staging", "alice");
        var state = await platform.WaitForStateAsync(change, DistributedPlatform.FinalStates.Append("AwaitingConfirmation").ToHashSet());
        if (state.GetProperty("state").GetString() == "AwaitingConfirmation")
        {
            (await platform.Api("bob").PostAsJsonAsync($"/api/requests/{change}/confirm", new { }, TestContext.Current.CancellationToken)).IsSuccessStatusCode.ShouldBeTrue();
        }

        (await platform.WaitForFinalStateAsync(change)).GetProperty("state").GetString().ShouldBe("Completed");
        var freeForm = await platform.SubmitAsync("please tidy up whatever looks odd in staging", "alice");
        await platform.WaitForFinalStateAsync(freeForm);
        var rollback = await platform.Api("admin").PostAsJsonAsync("/api/rollbacks",
            new Dictionary<string, object> { ["resource"] = new Dictionary<string, string> { ["resource_type"] = "secret", ["namespace"] = "staging", ["name"] = "db-credentials" }, ["reason"] = "put the old password back" },
            TestContext.Current.CancellationToken);
        rollback.IsSuccessStatusCode.ShouldBeTrue(await rollback.Content.ReadAsStringAsync());
        await Until(async () => Encoding.UTF8.GetString((await cluster.CoreV1.ReadNamespacedSecretAsync("db-credentials", "staging")).Data["DB_PASSWORD"]) == OldPassword);
        (await platform.Api("viewer").GetStringAsync("/api/snapshots", TestContext.Current.CancellationToken)).ShouldNotContain(OldPassword);

        var logs = string.Join("\n", new[] { "intent", "policy", "executor", "rollback", "orchestrator" }.Select(s => platform[s].Output));
        string[] secrets =
        [
            OpenAiKey, ClusterToken, OldPassword, NewPassword,
            Convert.ToBase64String(Encoding.UTF8.GetBytes(OldPassword)), Convert.ToBase64String(Encoding.UTF8.GetBytes(NewPassword)),
            .. DistributedPlatform.Principals.Keys.Select(DistributedPlatform.TokenOf),
        ];
        // Not a vacuous check: the model was called with the key, and Debug lines were written.
        platform["intent"].Output.ShouldContain("gave up");
        logs.ShouldContain("\"LogLevel\":\"Debug\"");
        foreach (var secret in secrets)
        {
            logs.ShouldNotContain(secret, Case.Sensitive, $"a secret reached the logs: {Around(logs, secret)}");
        }

        var intentLines = platform["intent"].Output.Split('\n').Where(l => l.StartsWith('{') && l.Contains(change)).ToArray();
        intentLines.ShouldNotBeEmpty(platform["intent"].Output);
        var parsed = intentLines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        parsed.Any(l => Scope(l, "RequestId") == change).ShouldBeTrue("the consumer's log scope names the request");
        parsed.Any(l => Scope(l, "TraceId")?.Length == 32).ShouldBeTrue("log lines carry the trace id");
    }

    private static string? Scope(JsonElement line, string key) =>
        !line.TryGetProperty("Scopes", out var scopes) ? null : scopes.EnumerateArray()
            .Where(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty(key, out _))
            .Select(s => s.GetProperty(key).ToString()).FirstOrDefault();

    private static string Around(string text, string secret)
    {
        var at = text.IndexOf(secret, StringComparison.Ordinal);
        return at < 0 ? "" : text[Math.Max(0, at - 600)..Math.Min(text.Length, at + secret.Length + 200)];
    }

    private static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            (DateTime.UtcNow < deadline).ShouldBeTrue("the condition never held");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }
}
