using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// The remediation service as a process of its own: an alert posted to its webhook becomes a request the orchestrator
/// takes from the bus like any system's, and the request's end comes back to it as RequestFinished.
/// </summary>
public sealed class DistributedRemediationTests(Broker broker) : IAsyncLifetime
{
    private const string Rules = """
        rules:
          - name: crashloop-restart
            matchers: ['alertname="KubeDeploymentCrashLooping"']
            text: "restart deployment {{ $labels.deployment }} in {{ $labels.namespace }}"
            operation_type: restart
            auto_confirm: true
        """;

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
    public async Task An_alert_at_the_remediation_service_runs_through_the_orchestrator_and_its_end_comes_back_over_the_bus()
    {
        platform = await DistributedPlatform.StartAsync(broker, remediationRules: Rules);
        using var webhook = platform.Remediation();
        using var admin = platform.Remediation(DistributedPlatform.TokenOf("admin"));

        using var refused = await admin.PostAsync("/webhooks/alertmanager", Notification("0000000000000e2e"), TestContext.Current.CancellationToken);
        using var posted = await webhook.PostAsync("/webhooks/alertmanager", Notification("0000000000000e2e"), TestContext.Current.CancellationToken);

        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden, "the remediation service knows the API tokens and refuses them at the webhook");
        posted.StatusCode.ShouldBe(HttpStatusCode.OK, await posted.Content.ReadAsStringAsync());
        var decision = (await posted.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("decisions")[0];
        decision.GetProperty("outcome").GetString().ShouldBe("submitted");
        var id = decision.GetProperty("request_id").GetString()!;

        var request = await platform.WaitForAsync(id, r => DistributedPlatform.FinalStates.Contains(r.GetProperty("state").GetString()!), "a final state");
        request.GetProperty("state").GetString().ShouldBe("Completed", $"{request}\n{platform.Logs()}");
        request.GetProperty("principal").GetString().ShouldBe("alertmanager:crashloop-restart");
        request.GetProperty("source").GetString().ShouldBe("alertmanager");

        // RequestFinished, not a look at the orchestrator's store, moves it from in flight to its effectiveness check.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JsonElement state;
        while (true)
        {
            state = await admin.GetFromJsonAsync<JsonElement>("/api/remediations", TestContext.Current.CancellationToken);
            if (state.GetProperty("in_flight").GetArrayLength() == 0)
            {
                break;
            }

            (DateTime.UtcNow < deadline).ShouldBeTrue($"the remediation is still in flight: {state}\n{platform.Logs()}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        state.GetProperty("pending_checks").EnumerateArray().ShouldHaveSingleItem().GetProperty("request_id").GetString().ShouldBe(id);
        state.GetProperty("outcomes").GetProperty("completed").GetInt32().ShouldBe(1);
        using var atOrchestrator = await platform.Api().PostAsync("/webhooks/alertmanager", Notification("0000000000000e2f"), TestContext.Current.CancellationToken);
        atOrchestrator.StatusCode.ShouldBe(HttpStatusCode.NotFound, "the orchestrator no longer takes alerts");
    }

    /// <summary>Alertmanager's webhook body (version 4) with one firing alert for deployment web in staging.</summary>
    private static StringContent Notification(string fingerprint) => new(new JsonObject
    {
        ["version"] = "4",
        ["receiver"] = "k8s-agent",
        ["status"] = "firing",
        // Nothing listens there: the effectiveness check stays pending, which is what this test looks at.
        ["externalURL"] = "http://127.0.0.1:9",
        ["alerts"] = new JsonArray(new JsonObject
        {
            ["status"] = "firing",
            ["labels"] = new JsonObject { ["alertname"] = "KubeDeploymentCrashLooping", ["deployment"] = "web", ["namespace"] = "staging" },
            ["startsAt"] = "2026-12-01T10:00:00Z",
            ["endsAt"] = "0001-01-01T00:00:00Z",
            ["fingerprint"] = fingerprint,
        }),
    }.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}
