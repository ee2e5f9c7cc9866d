using System.Diagnostics.Metrics;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Remediation.Coordination;
using K8sAgentPlatform.Remediation.Rules;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace K8sAgentPlatform.Remediation.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task Every_decision_is_counted_by_rule_and_outcome_on_the_shared_meter()
    {
        var seen = new List<(string Rule, string Outcome, long Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == PlatformTelemetry.Meter && instrument.Name == "k8s_agent_remediations_total")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var rule = tags.ToArray().Single(t => t.Key == "rule").Value as string;
            var outcome = tags.ToArray().Single(t => t.Key == "outcome").Value as string;
            lock (seen)
            {
                seen.Add((rule!, outcome!, value));
            }
        });
        listener.Start();
        var rules = RemediationRulesFile.Parse("""
            rules:
              - name: metrics-rule
                matchers: ['alertname="KubeDeploymentCrashLooping"']
                text: "restart deployment {{ $labels.deployment }} in {{ $labels.namespace }}"
                operation_type: restart
            """);
        var coordinator = new RemediationCoordinator(rules, Options.Create(new RemediationOptions()), new FakeTimeProvider(),
            new RecordingAuditLog(), NullLogger<RemediationCoordinator>.Instance);

        await coordinator.HandleAsync(Alerts.Notify(Alerts.CrashLooping("m1", "web"), Alerts.CrashLooping("m1", "web")),
            (_, _, _, _) => Task.CompletedTask, CancellationToken.None);

        lock (seen)
        {
            seen.Where(s => s.Rule == "metrics-rule").ShouldBe([("metrics-rule", "submitted", 1L), ("metrics-rule", "duplicate", 1L)]);
        }
    }
}
