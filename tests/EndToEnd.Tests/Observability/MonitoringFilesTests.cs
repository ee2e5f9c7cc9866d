using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace K8sAgentPlatform.EndToEnd.Tests.Observability;

/// <summary>deploy/prometheus's alert rules and deploy/grafana's dashboard: valid, and only about metrics that exist.</summary>
public sealed partial class MonitoringFilesTests
{
    /// <summary>Metrics from outside the platform's code, and where they come from.</summary>
    private static readonly IReadOnlyDictionary<string, string> External = new Dictionary<string, string>
    {
        ["up"] = "Prometheus, per scrape target",
        ["rabbitmq_queue_messages"] = "RabbitMQ's rabbitmq_prometheus plugin, /metrics/per-object",
    };

    private static string Root => MonitoringFiles.Root;

    private static string RulesFile => Path.Combine(Root, "deploy", "prometheus", "k8s-agent-rules.yml");

    [Fact]
    public async Task Promtool_accepts_the_alert_rules_and_their_unit_tests_pass()
    {
        var promtool = PrometheusServer.Binary("promtool") ?? throw Xunit.Sdk.SkipException.ForSkip(
            "SKIPPED: promtool (Debian's prometheus package) is not on PATH (bash .ci/install-monitoring installs it)");

        var check = await RunAsync(promtool, "check", "rules", RulesFile);
        var test = await RunAsync(promtool, "test", "rules", Path.Combine(Root, "deploy", "prometheus", "k8s-agent-rules.test.yml"));

        check.ExitCode.ShouldBe(0, check.Output);
        check.Output.ShouldContain("SUCCESS");
        test.ExitCode.ShouldBe(0, test.Output);
    }

    [Fact]
    public void Every_alert_rule_is_about_metrics_that_exist()
    {
        var expressions = File.ReadAllLines(RulesFile)
            .SkipWhile(l => !l.TrimStart().StartsWith("groups:", StringComparison.Ordinal))
            .Where(l => !l.TrimStart().StartsWith('#') && !l.TrimStart().StartsWith("summary:") && !l.TrimStart().StartsWith("description:"));

        UnknownMetrics(string.Join("\n", expressions)).ShouldBeEmpty();
    }

    [Fact]
    public void The_dashboard_is_valid_JSON_and_every_panel_queries_metrics_that_exist()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "deploy", "grafana", "k8s-agent-dashboard.json")));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToArray();
        var expressions = panels.SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToArray();

        dashboard.RootElement.GetProperty("uid").GetString().ShouldNotBeNullOrEmpty();
        panels.Length.ShouldBeGreaterThan(5);
        expressions.ShouldAllBe(e => !string.IsNullOrWhiteSpace(e));
        UnknownMetrics(string.Join("\n", expressions)).ShouldBeEmpty();
        foreach (var metric in new[] { "k8s_agent_operations_total", "k8s_agent_operations_blocked_total", "k8s_agent_intent_classification_duration_seconds_bucket",
                     "k8s_agent_rollbacks_total", "k8s_agent_active_snapshots", "k8s_agent_risk_level_total", "k8s_agent_remediations_total", "k8s_agent_requests_in_state" })
        {
            expressions.ShouldContain(e => e.Contains(metric), $"no panel shows {metric}");
        }
    }

    /// <summary>Metric names in PromQL that neither the platform's code declares nor <see cref="External"/> lists.</summary>
    private static IReadOnlyList<string> UnknownMetrics(string promql)
    {
        var declared = Directory.EnumerateFiles(Path.Combine(Root, "shared"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "services"), "*.cs", SearchOption.AllDirectories))
            .SelectMany(f => DeclaredName().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .ToHashSet();
        declared.Count.ShouldBeGreaterThan(5);
        var histogramSeries = declared.SelectMany(n => new[] { n + "_bucket", n + "_sum", n + "_count" });
        var known = declared.Concat(histogramSeries).Concat(External.Keys).ToHashSet();
        return MetricName().Matches(promql).Select(m => m.Value).Where(n => !known.Contains(n)).Distinct().ToArray();
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex("\"(k8s_agent_[a-z_]+)\"")]
    private static partial Regex DeclaredName();

    // Identifiers that name metrics: k8s_agent_*, rabbitmq_*, and up (as a whole word).
    [GeneratedRegex(@"\b(k8s_agent_[a-z_]+|rabbitmq_[a-z_]+|up)\b(?=\s*[\{\[\)=<>]|\s*$)", RegexOptions.Multiline)]
    private static partial Regex MetricName();
}

/// <summary>Where the repository's deploy/ folder is, from the test's output directory.</summary>
public static class MonitoringFiles
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "K8sAgentPlatform.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("K8sAgentPlatform.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
