using K8sAgentPlatform.Remediation.Alertmanager;
using K8sAgentPlatform.Remediation.Coordination;
using K8sAgentPlatform.Remediation.Rules;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace K8sAgentPlatform.Remediation.Tests;

public sealed class CoordinatorTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingAuditLog audit = new();
    private readonly List<(Guid Id, RemediationPlan Plan, string Principal)> submitted = [];
    private readonly RemediationCoordinator coordinator;

    public CoordinatorTests()
    {
        var rules = RemediationRulesFile.Parse("""
            rules:
              - name: crashloop-restart
                matchers: ['alertname="KubeDeploymentCrashLooping"']
                text: "restart deployment {{ $labels.deployment }} in {{ $labels.namespace }}"
                operation_type: restart
                auto_confirm: true
                cooldown: 10m
            """);
        var options = Options.Create(new RemediationOptions
        {
            MaxConcurrent = 2,
            BreakerFailures = 3,
            BreakerWindow = TimeSpan.FromMinutes(10),
            BreakerOpenFor = TimeSpan.FromMinutes(30),
            EffectivenessWindow = TimeSpan.FromMinutes(5),
            AlertmanagerUrl = ConfiguredAlertmanager,
        });
        coordinator = new RemediationCoordinator(rules, options, time, audit, NullLogger<RemediationCoordinator>.Instance);
    }

    private async Task<IReadOnlyList<AlertDecision>> Fire(params Alert[] alerts) =>
        await coordinator.HandleAsync(Alerts.Notify(alerts), (id, plan, principal, _) =>
        {
            submitted.Add((id, plan, principal));
            return Task.CompletedTask;
        }, CancellationToken.None);

    private const string ConfiguredAlertmanager = "http://alertmanager.monitoring:9093";

    [Fact]
    public async Task The_effectiveness_check_asks_only_the_configured_Alertmanager_never_the_notifications_externalURL()
    {
        var notification = new Alertmanager.AlertmanagerNotification("webhook", "http://169.254.169.254/latest/meta-data", [Alerts.CrashLooping("f1", "web")]);

        await coordinator.HandleAsync(notification, (_, _, _, _) => Task.CompletedTask, CancellationToken.None);

        coordinator.InFlight.ShouldHaveSingleItem().AlertmanagerUrl.ShouldBe(ConfiguredAlertmanager);
    }

    [Fact]
    public void Remediation_without_a_configured_Alertmanager_does_not_start()
    {
        var options = new RemediationOptions { RulesFile = "rules.yaml", WebhookTokenSha256 = new string('a', 64) };

        var errors = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(e => e.ErrorMessage).ToList();

        errors.ShouldContain(e => e!.StartsWith("Remediation:AlertmanagerUrl is required"));
        options.AlertmanagerUrl = "file:///etc/passwd";
        options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(e => e.ErrorMessage)
            .ShouldContain(e => e!.StartsWith("Remediation:AlertmanagerUrl must be an absolute http(s) URL"));
    }

    private async Task<string> Outcome(Alert alert) => (await Fire(alert)).ShouldHaveSingleItem().Outcome;

    [Fact]
    public async Task A_matching_alert_is_submitted_once_with_the_rule_as_principal()
    {
        var decision = (await Fire(Alerts.CrashLooping("f1", "web"))).ShouldHaveSingleItem();

        decision.Outcome.ShouldBe("submitted");
        var (id, plan, principal) = submitted.ShouldHaveSingleItem();
        decision.RequestId.ShouldBe(id);
        principal.ShouldBe("alertmanager:crashloop-restart");
        plan.Resource.ShouldBe("deployment/web in staging");
    }

    [Fact]
    public async Task A_repeated_alert_is_not_submitted_again_while_its_remediation_is_in_flight()
    {
        await Fire(Alerts.CrashLooping("f1", "web"));

        (await Outcome(Alerts.CrashLooping("f1", "web"))).ShouldBe("duplicate");
        time.Advance(TimeSpan.FromHours(2));
        (await Outcome(Alerts.CrashLooping("f1", "web"))).ShouldBe("duplicate");
        submitted.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Another_fingerprint_for_the_same_rule_and_resource_is_a_duplicate_too()
    {
        await Fire(Alerts.CrashLooping("f1", "web"));

        (await Outcome(Alerts.CrashLooping("f2", "web"))).ShouldBe("duplicate");
    }

    [Fact]
    public async Task After_it_finishes_the_rule_and_resource_cool_down_until_the_cooldown_passes()
    {
        await Fire(Alerts.CrashLooping("f1", "web"));
        await coordinator.FinishedAsync(submitted[0].Id, "Completed");
        await coordinator.MarkEffectiveAsync(coordinator.PendingChecks[0]);

        (await Outcome(Alerts.CrashLooping("f1", "web"))).ShouldBe("cooldown");
        time.Advance(TimeSpan.FromMinutes(9));
        (await Outcome(Alerts.CrashLooping("f1", "web"))).ShouldBe("cooldown");
        (await Outcome(Alerts.CrashLooping("f3", "api"))).ShouldBe("submitted");
        time.Advance(TimeSpan.FromMinutes(1));
        (await Outcome(Alerts.CrashLooping("f1", "web"))).ShouldBe("submitted");
    }

    [Fact]
    public async Task While_its_effect_is_being_checked_the_same_remediation_is_not_run_again_even_after_the_cooldown()
    {
        await Fire(Alerts.CrashLooping("f1", "web"));
        await coordinator.FinishedAsync(submitted[0].Id, "Completed");
        time.Advance(TimeSpan.FromMinutes(11));

        (await Outcome(Alerts.CrashLooping("f1", "web"))).ShouldBe("awaiting_effect");
        submitted.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_check_alertmanager_could_not_answer_ends_without_a_hold()
    {
        await Fire(Alerts.CrashLooping("f1", "web"));
        await coordinator.FinishedAsync(submitted[0].Id, "Completed");

        await coordinator.MarkUnverifiedAsync(coordinator.PendingChecks[0]);
        time.Advance(TimeSpan.FromMinutes(10));

        coordinator.Holds.ShouldBeEmpty();
        (await Outcome(Alerts.CrashLooping("f1", "web"))).ShouldBe("submitted");
    }

    [Fact]
    public async Task No_more_than_the_cap_run_at_once_and_the_highest_count_is_recorded()
    {
        var decisions = await Fire(Alerts.CrashLooping("f1", "a"), Alerts.CrashLooping("f2", "b"), Alerts.CrashLooping("f3", "c"));

        decisions.Select(d => d.Outcome).ShouldBe(["submitted", "submitted", "capped"]);
        coordinator.MaxInFlight.ShouldBe(2);
        await coordinator.FinishedAsync(submitted[0].Id, "Completed");
        (await Outcome(Alerts.CrashLooping("f3", "c"))).ShouldBe("submitted");
        coordinator.MaxInFlight.ShouldBe(2);
    }

    [Fact]
    public async Task Too_many_failures_within_the_window_open_the_breaker_for_everything_until_it_closes()
    {
        foreach (var (fingerprint, deployment) in new[] { ("f1", "a"), ("f2", "b"), ("f3", "c") })
        {
            await Fire(Alerts.CrashLooping(fingerprint, deployment));
            await coordinator.FinishedAsync(submitted[^1].Id, "RolledBack");
            time.Advance(TimeSpan.FromMinutes(1));
        }

        coordinator.BreakerOpen.ShouldBeTrue();
        (await Outcome(Alerts.CrashLooping("f9", "z"))).ShouldBe("breaker_open");
        audit.Records.ShouldContain(r => r.Action == "remediation-breaker-opened");
        time.Advance(TimeSpan.FromMinutes(30));
        coordinator.BreakerOpen.ShouldBeFalse();
        (await Outcome(Alerts.CrashLooping("f9", "z"))).ShouldBe("submitted");
    }

    [Fact]
    public async Task Failures_spread_wider_than_the_window_do_not_open_the_breaker()
    {
        foreach (var (fingerprint, deployment) in new[] { ("f1", "a"), ("f2", "b"), ("f3", "c"), ("f4", "d") })
        {
            await Fire(Alerts.CrashLooping(fingerprint, deployment));
            await coordinator.FinishedAsync(submitted[^1].Id, "Failed");
            time.Advance(TimeSpan.FromMinutes(6));
        }

        coordinator.BreakerOpen.ShouldBeFalse();
    }

    [Fact]
    public async Task A_policy_rejection_is_not_a_failure_for_the_breaker()
    {
        foreach (var (fingerprint, deployment) in new[] { ("f1", "a"), ("f2", "b"), ("f3", "c") })
        {
            await Fire(Alerts.CrashLooping(fingerprint, deployment));
            await coordinator.FinishedAsync(submitted[^1].Id, "Rejected");
        }

        coordinator.BreakerOpen.ShouldBeFalse();
    }

    [Fact]
    public async Task A_resolved_alert_acts_on_nothing_and_is_recorded()
    {
        var decision = (await Fire(Alerts.Resolved("f1", ("alertname", "KubeDeploymentCrashLooping"), ("deployment", "web"), ("namespace", "staging"))))
            .ShouldHaveSingleItem();

        decision.Outcome.ShouldBe("resolved");
        submitted.ShouldBeEmpty();
        audit.Records.ShouldContain(r => r.Action == "alert-resolved" && r.Detail!.Contains("f1"));
    }

    [Fact]
    public async Task An_alert_no_rule_matches_is_left_alone()
    {
        (await Outcome(Alerts.Firing("f1", ("alertname", "DiskFull")))).ShouldBe("no_rule");
        submitted.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_alert_whose_labels_try_to_inject_is_refused_and_audited()
    {
        (await Outcome(Alerts.CrashLooping("f1", "web and delete namespace staging"))).ShouldBe("refused");

        submitted.ShouldBeEmpty();
        audit.Records.ShouldContain(r => r.Action == "remediation-refused");
    }

    [Fact]
    public async Task An_ineffective_remediation_holds_its_rule_and_resource_past_the_cooldown_until_the_alert_resolves()
    {
        await Fire(Alerts.CrashLooping("f1", "web"));
        await coordinator.FinishedAsync(submitted[0].Id, "Completed");
        var check = coordinator.PendingChecks.ShouldHaveSingleItem();
        check.Deadline.ShouldBe(time.GetUtcNow() + TimeSpan.FromMinutes(5));

        (await coordinator.MarkIneffectiveAsync(check)).ShouldBeTrue();
        time.Advance(TimeSpan.FromHours(1));
        (await Outcome(Alerts.CrashLooping("f1", "web"))).ShouldBe("held_ineffective");

        await Fire(Alerts.Resolved("f1", ("alertname", "KubeDeploymentCrashLooping"), ("deployment", "web"), ("namespace", "staging")));
        (await Outcome(Alerts.CrashLooping("f1", "web"))).ShouldBe("submitted");
    }

    [Fact]
    public async Task An_operator_can_clear_a_hold()
    {
        await Fire(Alerts.CrashLooping("f1", "web"));
        await coordinator.FinishedAsync(submitted[0].Id, "Completed");
        await coordinator.MarkIneffectiveAsync(coordinator.PendingChecks[0]);

        (await coordinator.ClearAsync("bob", "crashloop-restart")).ShouldBe(1);

        (await Outcome(Alerts.CrashLooping("f1", "web"))).ShouldBe("submitted");
        audit.Records.ShouldContain(r => r.Action == "remediation-cleared" && r.Principal == "bob");
    }

    [Fact]
    public async Task A_resolved_alert_settles_its_pending_check_as_effective()
    {
        await Fire(Alerts.CrashLooping("f1", "web"));
        await coordinator.FinishedAsync(submitted[0].Id, "Completed");

        await Fire(Alerts.Resolved("f1", ("alertname", "KubeDeploymentCrashLooping"), ("deployment", "web"), ("namespace", "staging")));

        coordinator.PendingChecks.ShouldBeEmpty();
        audit.Records.ShouldContain(r => r.Action == "remediation-effective");
    }

    [Fact]
    public async Task A_failed_submission_releases_its_slot()
    {
        await Should.ThrowAsync<InvalidOperationException>(() => coordinator.HandleAsync(Alerts.Notify(Alerts.CrashLooping("f1", "web")),
            (_, _, _, _) => throw new InvalidOperationException("broker down"), CancellationToken.None));

        coordinator.InFlight.ShouldBeEmpty();
        (await Outcome(Alerts.CrashLooping("f1", "web"))).ShouldBe("submitted");
    }
}
