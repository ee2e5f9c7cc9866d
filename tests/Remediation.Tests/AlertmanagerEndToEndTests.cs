using k8s;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Remediation.Coordination;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using k8s.Models;

namespace K8sAgentPlatform.Remediation.Tests;

/// <summary>
/// Debian's Alertmanager in front of the embedded platform on the sandbox cluster: alerts are posted to
/// Alertmanager, which groups, repeats and resolves them and calls the webhook as it does in production.
/// </summary>
public sealed class AlertmanagerEndToEndTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static Dictionary<string, string> CrashLooping(string deployment, string ns) => new()
    {
        ["alertname"] = "KubeDeploymentCrashLooping",
        ["deployment"] = deployment,
        ["namespace"] = ns,
        ["severity"] = "critical",
    };

    [Fact]
    public async Task A_crash_looping_deployment_is_rolled_back_exactly_once_although_alertmanager_repeats_the_alert_and_its_resolution_acts_on_nothing()
    {
        AlertmanagerProcess.RequireBinary();
        var amPort = TestPlatform.FreePort();
        await using var platform = await TestPlatform.StartAsync("""
            rules:
              - name: crashloop-rollback
                matchers: ['alertname="KubeDeploymentCrashLooping"', 'namespace=~"staging|dev"']
                text: "roll back deployment {{ $labels.deployment }} in {{ $labels.namespace }}"
                operation_type: rollback
                auto_confirm: true
                cooldown: 1h
            """, new Dictionary<string, string?> { ["Remediation:AlertmanagerUrl"] = $"http://127.0.0.1:{amPort}" });
        await using var alertmanager = await AlertmanagerProcess.StartAsync(amPort, new Uri(platform.Url, "/webhooks/alertmanager"),
            TestPlatform.WebhookToken, "'alertname'", repeatInterval: TimeSpan.FromSeconds(2));
        var cluster = platform.Platform.CreateSandboxClient()!;
        await MakeCrashLoopAsync(cluster, "web", "staging");

        var labels = CrashLooping("web", "staging");
        await alertmanager.PostAsync([labels]);

        var coordinator = platform.Coordinator;
        try
        {
            await Eventually.HoldsAsync(async () => (await platform.RequestsAsync()).Any(r => RequestStates.IsFinal(r.CurrentState)), Patience,
                "the remediation request finished");
        }
        catch (TimeoutException e)
        {
            var states = (await platform.RequestsAsync()).Select(r => $"{r.CurrentState} ({r.Outcome})");
            throw new TimeoutException($"{e.Message}; outcomes: {string.Join(", ", coordinator.Outcomes)}; requests: {string.Join(", ", states)}", e);
        }

        var fingerprint = coordinator.SubmittedPerFingerprint.Keys.ShouldHaveSingleItem();
        // Alertmanager keeps re-sending the firing alert every repeat_interval; each repeat must find the remediation done and
        // its effect still being checked.
        await Eventually.HoldsAsync(() => Repeats(coordinator) >= 3, Patience, "three repeats after the remediation");
        coordinator.SubmittedPerFingerprint[fingerprint].ShouldBe(1);
        var requests = await platform.RequestsAsync();
        var request = requests.ShouldHaveSingleItem();
        request.Principal.ShouldBe("alertmanager:crashloop-rollback");
        request.Source.ShouldBe("alertmanager");
        request.CurrentState.ShouldBe("Completed", $"{request.Outcome}: {string.Join("; ", request.Reasons)}");
        var web = await cluster.AppsV1.ReadNamespacedDeploymentAsync("web", "staging");
        web.Spec.Template.Spec.Containers.SelectMany(c => c.Env ?? []).ShouldNotContain(e => e.Name == "CRASH");

        await alertmanager.PostAsync([labels], endsAt: DateTimeOffset.UtcNow.AddSeconds(-1));

        await Eventually.HoldsAsync(() => coordinator.Outcomes.GetValueOrDefault("resolved") >= 1, Patience, "the resolved notification");
        await Eventually.HoldsAsync(() => coordinator.PendingChecks.Count == 0, Patience, "the effectiveness check settled");
        coordinator.Outcomes.GetValueOrDefault("effective").ShouldBe(1);
        (await platform.RequestsAsync()).Count.ShouldBe(1);
        coordinator.SubmittedPerFingerprint[fingerprint].ShouldBe(1);
    }

    [Fact]
    public async Task An_alert_storm_yields_one_remediation_per_fingerprint_and_never_more_than_the_cap_at_once()
    {
        AlertmanagerProcess.RequireBinary();
        const int Deployments = 20;
        const int Cap = 3;
        var amPort = TestPlatform.FreePort();
        await using var platform = await TestPlatform.StartAsync("""
            rules:
              - name: crashloop-restart
                matchers: ['alertname="KubeDeploymentCrashLooping"', 'namespace="dev"']
                text: "restart deployment {{ $labels.deployment }} in {{ $labels.namespace }}"
                operation_type: restart
                auto_confirm: true
                cooldown: 1h
            """, new Dictionary<string, string?>
        {
            ["Remediation:AlertmanagerUrl"] = $"http://127.0.0.1:{amPort}",
            ["Remediation:MaxConcurrent"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await using var alertmanager = await AlertmanagerProcess.StartAsync(amPort, new Uri(platform.Url, "/webhooks/alertmanager"),
            TestPlatform.WebhookToken, "'alertname', 'deployment'", repeatInterval: TimeSpan.FromSeconds(2));
        var cluster = platform.Platform.CreateSandboxClient()!;
        var names = Enumerable.Range(0, Deployments).Select(i => $"storm-{i:00}").ToList();
        await CopyDeploymentAsync(cluster, "web", "dev", names);

        // Hundreds of alerts over twenty fingerprints, as an alerting storm sends them: the same alerts again and again.
        for (var round = 0; round < 15; round++)
        {
            await alertmanager.PostAsync(names.Select(n => (IReadOnlyDictionary<string, string>)CrashLooping(n, "dev")));
        }

        var coordinator = platform.Coordinator;
        await Eventually.HoldsAsync(() => coordinator.SubmittedPerFingerprint.Count == Deployments && coordinator.InFlight.Count == 0,
            TimeSpan.FromMinutes(3), $"a remediation for each of the {Deployments} fingerprints, all finished");
        await Eventually.HoldsAsync(() => Repeats(coordinator) >= Deployments, Patience, "repeats after the remediations");

        coordinator.SubmittedPerFingerprint.Values.ShouldAllBe(n => n == 1);
        coordinator.MaxInFlight.ShouldBeLessThanOrEqualTo(Cap);
        coordinator.Outcomes.GetValueOrDefault("capped").ShouldBeGreaterThan(0, "the storm should have hit the cap at least once");
        var requests = await platform.RequestsAsync();
        requests.Count.ShouldBe(Deployments);
        requests.ShouldAllBe(r => r.CurrentState == "Completed" && RequestStates.IsFinal(r.CurrentState));
    }

    [Fact]
    public async Task A_remediation_whose_alert_keeps_firing_is_marked_ineffective_published_and_not_repeated()
    {
        AlertmanagerProcess.RequireBinary();
        var amPort = TestPlatform.FreePort();
        await using var platform = await TestPlatform.StartAsync("""
            rules:
              - name: crashloop-restart
                matchers: ['alertname="KubeDeploymentCrashLooping"']
                text: "restart deployment {{ $labels.deployment }} in {{ $labels.namespace }}"
                operation_type: restart
                auto_confirm: true
                cooldown: 1s
            """, new Dictionary<string, string?>
        {
            ["Remediation:AlertmanagerUrl"] = $"http://127.0.0.1:{amPort}",
            ["Remediation:EffectivenessWindow"] = "00:00:03",
        });
        var published = new TaskCompletionSource<RemediationIneffective>(TaskCreationOptions.RunContinuationsAsynchronously);
        var bus = platform.Platform.Services.GetRequiredService<IBus>();
        var listener = bus.ConnectReceiveEndpoint(e => e.Handler<RemediationIneffective>(c =>
        {
            published.TrySetResult(c.Message);
            return Task.CompletedTask;
        }));
        await listener.Ready;
        await using var alertmanager = await AlertmanagerProcess.StartAsync(amPort, new Uri(platform.Url, "/webhooks/alertmanager"),
            TestPlatform.WebhookToken, "'alertname'", repeatInterval: TimeSpan.FromSeconds(2));

        // Nothing resolves this alert, so it is still firing when the effectiveness window closes.
        await alertmanager.PostAsync([CrashLooping("api", "dev")]);

        var coordinator = platform.Coordinator;
        var ineffective = await published.Task.WaitAsync(Patience);
        ineffective.Rule.ShouldBe("crashloop-restart");
        ineffective.Resource.ShouldBe("deployment/api in dev");
        ineffective.AlertLabels["deployment"].ShouldBe("api");
        coordinator.Holds.ShouldHaveSingleItem().Fingerprint.ShouldBe(ineffective.Fingerprint);
        // The 1 s cooldown is long over; only the hold keeps Alertmanager's repeats from running it again.
        await Eventually.HoldsAsync(() => coordinator.Outcomes.GetValueOrDefault("held_ineffective") >= 2, Patience, "repeats refused by the hold");
        coordinator.SubmittedPerFingerprint[ineffective.Fingerprint].ShouldBe(1);
        (await platform.RequestsAsync()).Count.ShouldBe(1);
        await listener.StopAsync();
    }

    private static int Repeats(RemediationCoordinator coordinator) =>
        coordinator.Outcomes.GetValueOrDefault("awaiting_effect") + coordinator.Outcomes.GetValueOrDefault("cooldown");

    private static async Task MakeCrashLoopAsync(IKubernetes cluster, string name, string ns)
    {
        var deployment = await cluster.AppsV1.ReadNamespacedDeploymentAsync(name, ns);
        foreach (var container in deployment.Spec.Template.Spec.Containers)
        {
            container.Env = [.. container.Env ?? [], new V1EnvVar { Name = "CRASH", Value = "1" }];
        }

        await cluster.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, name, ns);
        await Eventually.HoldsAsync(async () =>
        {
            var pods = await cluster.CoreV1.ListNamespacedPodAsync(ns);
            return pods.Items.Any(p => p.Status?.ContainerStatuses?.Any(c => c.State?.Waiting?.Reason == "CrashLoopBackOff") == true);
        }, Patience, $"{name} in {ns} crash-looping");
    }

    private static async Task CopyDeploymentAsync(IKubernetes cluster, string source, string ns, IEnumerable<string> names)
    {
        var template = await cluster.AppsV1.ReadNamespacedDeploymentAsync(source, ns);
        foreach (var name in names)
        {
            var labels = new Dictionary<string, string> { ["app"] = name };
            var copy = new V1Deployment
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
                Spec = new V1DeploymentSpec
                {
                    Replicas = 1,
                    Selector = new V1LabelSelector { MatchLabels = labels },
                    Template = new V1PodTemplateSpec
                    {
                        Metadata = new V1ObjectMeta { Labels = labels },
                        Spec = template.Spec.Template.Spec,
                    },
                },
            };
            await cluster.AppsV1.CreateNamespacedDeploymentAsync(copy, ns);
        }
    }
}
