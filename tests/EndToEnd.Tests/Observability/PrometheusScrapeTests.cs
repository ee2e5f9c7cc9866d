using System.Net.Http.Json;
using System.Text.Json;

namespace K8sAgentPlatform.EndToEnd.Tests.Observability;

/// <summary>
/// Debian's Prometheus scraping the five services' /metrics while requests run: the real exposition format, the
/// real scrape, read back through Prometheus's HTTP API. The platform's alert rules are loaded as well.
/// </summary>
public sealed class PrometheusScrapeTests(Broker broker) : IAsyncLifetime
{
    private DistributedPlatform? platform;
    private PrometheusServer? prometheus;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (prometheus is not null)
        {
            await prometheus.DisposeAsync();
        }

        if (platform is not null)
        {
            await platform.DisposeAsync();
        }
    }

    [Fact]
    public async Task Prometheus_sees_the_brief_s_metrics_move_when_requests_run()
    {
        if (PrometheusServer.Binary("prometheus") is null)
        {
            throw Xunit.Sdk.SkipException.ForSkip("SKIPPED: Debian's prometheus is not on PATH (bash .ci/install-monitoring installs it)");
        }

        broker.Require();
        platform = await DistributedPlatform.StartAsync(broker, new Dictionary<string, string>
        {
            ["Executor__SnapshotGaugeInterval"] = "00:00:01",
            ["Orchestrator__StateGaugeInterval"] = "00:00:01",
        });
        var rules = Path.Combine(platform.WorkDirectory, "rules.yml");
        File.Copy(Path.Combine(MonitoringFiles.Root, "deploy", "prometheus", "k8s-agent-rules.yml"), rules);
        prometheus = await PrometheusServer.StartAsync(
            new[] { "intent", "policy", "executor", "rollback", "orchestrator" }.ToDictionary(s => $"k8s-agent-{s}", s => platform[s].Url),
            rules);

        var completed = await platform.SubmitAsync("scale api to 2 in staging", "alice");
        var blocked = await platform.SubmitAsync("scale api to 80 in staging", "alice");
        (await platform.WaitForFinalStateAsync(completed)).GetProperty("state").GetString().ShouldBe("Completed");
        (await platform.WaitForFinalStateAsync(blocked)).GetProperty("state").GetString().ShouldBe("Rejected");

        await prometheus.WaitForAsync("""k8s_agent_operations_total{operation_type="scale",resource_type="deployment",namespace="staging",status="success"}""",
            r => r.Count == 1 && r[0].Value >= 1 && r[0].Labels["job"] == "k8s-agent-executor");
        await prometheus.WaitForAsync("""k8s_agent_operations_blocked_total{operation_type="scale",block_reason="scale.max_replicas"}""",
            r => r.Count == 1 && r[0].Value >= 1 && r[0].Labels["job"] == "k8s-agent-policy");
        await prometheus.WaitForAsync("sum(k8s_agent_risk_level_total)", r => r.Count == 1 && r[0].Value >= 2);
        await prometheus.WaitForAsync("""sum(k8s_agent_intent_classification_duration_seconds_count{parser="offline",outcome="parsed"})""", r => r.Count == 1 && r[0].Value >= 2);
        await prometheus.WaitForAsync("""k8s_agent_intent_classification_duration_seconds_bucket{le="0.1"}""", r => r.Count > 0);
        await prometheus.WaitForAsync("k8s_agent_active_snapshots", r => r.Count == 1 && r[0].Value >= 1 && r[0].Labels["job"] == "k8s-agent-executor");
        var states = await prometheus.WaitForAsync("k8s_agent_requests_in_state", r => r.Count == 5);
        states.Select(s => s.Labels["state"]).ShouldBe(["AwaitingConfirmation", "Compensating", "Executing", "Parsing", "Validating"], ignoreOrder: true);

        var loaded = await new HttpClient().GetFromJsonAsync<JsonElement>($"{prometheus.Url}/api/v1/rules", TestContext.Current.CancellationToken);
        var ruleStates = loaded.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .Select(r => (Name: r.GetProperty("name").GetString(), Health: r.GetProperty("health").GetString(), Error: r.TryGetProperty("lastError", out var e) ? e.GetString() : null))
            .ToArray();
        ruleStates.Length.ShouldBeGreaterThan(5);
        ruleStates.ShouldAllBe(r => r.Health != "err", string.Join("\n", ruleStates.Select(r => $"{r.Name}: {r.Health} {r.Error}")));
    }
}
