using System.Diagnostics.Metrics;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Remediation.Alertmanager;
using K8sAgentPlatform.Remediation.Rules;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Remediation.Coordination;

/// <summary>What became of one alert of a notification.</summary>
public sealed record AlertDecision(string Fingerprint, string? Rule, string Outcome, Guid? RequestId = null, string? Detail = null);

/// <summary>A remediation that was submitted and has not reached a final state.</summary>
public sealed record InFlightRemediation(Guid RequestId, string Rule, string Resource, Alert Alert, string? AlertmanagerUrl, DateTimeOffset StartedAt);

/// <summary>A completed remediation whose alert must resolve by <see cref="Deadline"/>.</summary>
public sealed record PendingCheck(Guid RequestId, string Rule, string Resource, Alert Alert, string? AlertmanagerUrl, DateTimeOffset CompletedAt, DateTimeOffset Deadline);

/// <summary>
/// The safety state of alert-driven remediation, in one place behind one lock: one remediation per fingerprint
/// (and per rule and resource) while in flight, a cooldown per rule and resource after it ends, a hold on a rule
/// and resource whose remediation did not make its alert resolve, a cap on concurrent remediations and a breaker
/// that stops everything when too many fail within a window. Time comes from <see cref="TimeProvider"/>.
/// </summary>
public sealed class RemediationCoordinator(
    RemediationRules rules,
    IOptions<RemediationOptions> options,
    TimeProvider time,
    IAuditLog audit,
    ILogger<RemediationCoordinator> logger)
{
    public const string Principal = "alertmanager";

    private static readonly Counter<long> Remediations = PlatformTelemetry.Meter.CreateCounter<long>("k8s_agent_remediations_total",
        description: "Alerts handled by remediation rules, by rule and outcome.");

    private readonly Lock gate = new();
    private readonly Dictionary<string, InFlightRemediation> inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Rule, string Resource), DateTimeOffset> cooldowns = [];
    private readonly Dictionary<(string Rule, string Resource), string> holds = [];
    private readonly List<PendingCheck> checks = [];
    private readonly Queue<DateTimeOffset> failures = new();
    private readonly Dictionary<string, int> submittedPerFingerprint = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> outcomes = new(StringComparer.Ordinal);
    private DateTimeOffset? breakerOpenUntil;
    private int maxInFlight;

    public RemediationRules Rules => rules;

    /// <summary>The most remediations that were ever in flight at once.</summary>
    public int MaxInFlight
    {
        get { lock (gate) { return maxInFlight; } }
    }

    /// <summary>How many remediations were submitted per fingerprint since start.</summary>
    public IReadOnlyDictionary<string, int> SubmittedPerFingerprint
    {
        get { lock (gate) { return new Dictionary<string, int>(submittedPerFingerprint); } }
    }

    /// <summary>How often each outcome occurred since start (the same counts the metric has, without labels).</summary>
    public IReadOnlyDictionary<string, int> Outcomes => new Dictionary<string, int>(outcomes);

    public IReadOnlyList<InFlightRemediation> InFlight
    {
        get { lock (gate) { return inFlight.Values.ToList(); } }
    }

    public IReadOnlyList<PendingCheck> PendingChecks
    {
        get { lock (gate) { return checks.ToList(); } }
    }

    public IReadOnlyList<(string Rule, string Resource, string Fingerprint)> Holds
    {
        get { lock (gate) { return holds.Select(h => (h.Key.Rule, h.Key.Resource, h.Value)).ToList(); } }
    }

    /// <summary>Set while an administrator has stopped the platform (EmergencyStopChanged): every alert is refused as <c>stopped</c>.</summary>
    public bool EmergencyStopped
    {
        get => Volatile.Read(ref emergencyStopped);
        set => Volatile.Write(ref emergencyStopped, value);
    }

    private bool emergencyStopped;

    public bool BreakerOpen
    {
        get { lock (gate) { return IsBreakerOpen(time.GetUtcNow()); } }
    }

    /// <summary>
    /// Decides every alert of a notification; firing alerts that pass every check are handed to
    /// <paramref name="submit"/> (which sends the request over the bus) with the request id reserved for them.
    /// </summary>
    public async Task<IReadOnlyList<AlertDecision>> HandleAsync(AlertmanagerNotification notification,
        Func<Guid, RemediationPlan, string, CancellationToken, Task> submit, CancellationToken cancellationToken)
    {
        var decisions = new List<AlertDecision>();
        foreach (var alert in notification.Alerts)
        {
            decisions.Add(alert.Firing
                ? await FiringAsync(alert, notification, submit, cancellationToken)
                : await ResolvedAsync(alert, cancellationToken));
        }

        return decisions;
    }

    private async Task<AlertDecision> ResolvedAsync(Alert alert, CancellationToken cancellationToken)
    {
        List<PendingCheck> effective;
        lock (gate)
        {
            foreach (var key in holds.Where(h => h.Value == alert.Fingerprint).Select(h => h.Key).ToList())
            {
                holds.Remove(key);
                cooldowns.Remove(key);
            }

            effective = checks.Where(c => c.Alert.Fingerprint == alert.Fingerprint).ToList();
            checks.RemoveAll(c => c.Alert.Fingerprint == alert.Fingerprint);
        }

        foreach (var check in effective)
        {
            await MarkEffectiveAsync(check, cancellationToken);
        }

        var rule = rules.Match(alert.Labels)?.Name;
        await audit.AppendAsync(new AuditRecord("alert-resolved", Principal, null,
            $"alert {alert.Name} ({alert.Fingerprint}) resolved; nothing is done for resolved alerts", "recorded"), cancellationToken);
        Count(rule ?? "none", "resolved");
        return new AlertDecision(alert.Fingerprint, rule, "resolved");
    }

    private async Task<AlertDecision> FiringAsync(Alert alert, AlertmanagerNotification notification,
        Func<Guid, RemediationPlan, string, CancellationToken, Task> submit, CancellationToken cancellationToken)
    {
        if (rules.Match(alert.Labels) is not { } rule)
        {
            Count("none", "no_rule");
            return new AlertDecision(alert.Fingerprint, null, "no_rule");
        }

        if (RemediationPlanner.TryPlan(rule, alert, out var problem) is not { } plan)
        {
            logger.LogWarning("Alert {AlertName} ({Fingerprint}) matched rule {Rule} but was refused: {Problem}", alert.Name, alert.Fingerprint, rule.Name, problem);
            await audit.AppendAsync(new AuditRecord("remediation-refused", $"{Principal}:{rule.Name}", null,
                $"alert {alert.Name} ({alert.Fingerprint}): {problem}", "refused"), cancellationToken);
            Count(rule.Name, "refused");
            return new AlertDecision(alert.Fingerprint, rule.Name, "refused", Detail: problem);
        }

        var id = Guid.NewGuid();
        var now = time.GetUtcNow();
        string? refusal;
        lock (gate)
        {
            refusal = Refusal(alert, rule, plan, now);
            if (refusal is null)
            {
                // Only the configured Alertmanager is asked later; the notification's externalURL is never fetched.
                inFlight[alert.Fingerprint] = new InFlightRemediation(id, rule.Name, plan.Resource, alert, options.Value.AlertmanagerUrl, now);
                maxInFlight = Math.Max(maxInFlight, inFlight.Count);
                submittedPerFingerprint[alert.Fingerprint] = submittedPerFingerprint.GetValueOrDefault(alert.Fingerprint) + 1;
            }
        }

        if (refusal is not null)
        {
            logger.LogInformation("Alert {AlertName} ({Fingerprint}) not remediated by rule {Rule}: {Outcome}", alert.Name, alert.Fingerprint, rule.Name, refusal);
            Count(rule.Name, refusal);
            return new AlertDecision(alert.Fingerprint, rule.Name, refusal);
        }

        try
        {
            await submit(id, plan, $"{Principal}:{rule.Name}", cancellationToken);
        }
        catch
        {
            lock (gate)
            {
                inFlight.Remove(alert.Fingerprint);
                submittedPerFingerprint[alert.Fingerprint]--;
            }

            throw;
        }

        logger.LogInformation("Alert {AlertName} ({Fingerprint}) matched rule {Rule}: request {RequestId} for {Resource}", alert.Name, alert.Fingerprint, rule.Name, id, plan.Resource);
        await audit.AppendAsync(new AuditRecord("remediation-submitted", $"{Principal}:{rule.Name}", id,
            $"alert {alert.Name} ({alert.Fingerprint}) matched rule {rule.Name}: {plan.Resource}", "submitted"), cancellationToken);
        Count(rule.Name, "submitted");
        return new AlertDecision(alert.Fingerprint, rule.Name, "submitted", id);
    }

    private string? Refusal(Alert alert, RemediationRule rule, RemediationPlan plan, DateTimeOffset now)
    {
        var key = (rule.Name, plan.Resource);
        if (EmergencyStopped)
        {
            return "stopped";
        }

        if (IsBreakerOpen(now))
        {
            return "breaker_open";
        }

        if (inFlight.ContainsKey(alert.Fingerprint) || inFlight.Values.Any(f => f.Rule == rule.Name && f.Resource == plan.Resource))
        {
            return "duplicate";
        }

        if (holds.ContainsKey(key))
        {
            return "held_ineffective";
        }

        // Until the alert is seen to resolve or the window closes, running the same remediation again is blind.
        if (checks.Any(c => c.Rule == rule.Name && c.Resource == plan.Resource))
        {
            return "awaiting_effect";
        }

        if (cooldowns.TryGetValue(key, out var until) && until > now)
        {
            return "cooldown";
        }

        return inFlight.Count >= options.Value.MaxConcurrent ? "capped" : null;
    }

    private bool IsBreakerOpen(DateTimeOffset now)
    {
        if (breakerOpenUntil is { } until && until > now)
        {
            return true;
        }

        breakerOpenUntil = null;
        return false;
    }

    /// <summary>
    /// A remediation reached a final state: it leaves the in-flight set, its rule and resource cool down, a failure
    /// counts towards the breaker, and a completed one waits for its alert to resolve.
    /// </summary>
    public async Task FinishedAsync(Guid requestId, string finalState, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var outcome = finalState switch
        {
            RequestStates.Completed => "completed",
            RequestStates.Rejected => "rejected",
            RequestStates.Expired or RequestStates.Cancelled => "not_run",
            _ => "failed",
        };
        InFlightRemediation? done;
        var opened = false;
        lock (gate)
        {
            done = inFlight.Values.FirstOrDefault(f => f.RequestId == requestId);
            if (done is null)
            {
                return;
            }

            // Counted before it leaves the in-flight set, so whoever sees it gone also sees its outcome.
            Count(done.Rule, outcome);
            inFlight.Remove(done.Alert.Fingerprint);
            var rule = rules.Rules.FirstOrDefault(r => r.Name == done.Rule);
            cooldowns[(done.Rule, done.Resource)] = now + (rule?.Cooldown ?? TimeSpan.Zero);
            if (outcome == "completed")
            {
                checks.Add(new PendingCheck(done.RequestId, done.Rule, done.Resource, done.Alert, done.AlertmanagerUrl, now, now + options.Value.EffectivenessWindow));
            }
            else if (outcome == "failed")
            {
                failures.Enqueue(now);
                while (failures.Count > 0 && failures.Peek() <= now - options.Value.BreakerWindow)
                {
                    failures.Dequeue();
                }

                if (failures.Count >= options.Value.BreakerFailures && breakerOpenUntil is null)
                {
                    breakerOpenUntil = now + options.Value.BreakerOpenFor;
                    failures.Clear();
                    opened = true;
                }
            }
        }

        await audit.AppendAsync(new AuditRecord("remediation-finished", $"{Principal}:{done.Rule}", requestId,
            $"alert {done.Alert.Name} ({done.Alert.Fingerprint}): {finalState}", outcome), cancellationToken);
        if (opened)
        {
            logger.LogError("Remediation breaker opened: {Failures} remediations failed within {Window}; no remediation runs until {Until}",
                options.Value.BreakerFailures, options.Value.BreakerWindow, now + options.Value.BreakerOpenFor);
            await audit.AppendAsync(new AuditRecord("remediation-breaker-opened", Principal, null,
                $"{options.Value.BreakerFailures} remediations failed within {options.Value.BreakerWindow}; remediation stops for {options.Value.BreakerOpenFor}", "open"), cancellationToken);
        }
    }

    /// <summary>The checks to run now (their alert may have resolved).</summary>
    public IReadOnlyList<PendingCheck> DueChecks() => PendingChecks;

    /// <summary>The alert of a check is gone from Alertmanager: the remediation worked.</summary>
    public async Task MarkEffectiveAsync(PendingCheck check, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            checks.Remove(check);
        }

        Count(check.Rule, "effective");
        await audit.AppendAsync(new AuditRecord("remediation-effective", $"{Principal}:{check.Rule}", check.RequestId,
            $"alert {check.Alert.Name} ({check.Alert.Fingerprint}) resolved after the remediation of {check.Resource}", "effective"), cancellationToken);
    }

    /// <summary>Alertmanager could not be asked before the window closed: the check ends without a verdict and without a hold.</summary>
    public async Task MarkUnverifiedAsync(PendingCheck check, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (!checks.Remove(check))
            {
                return;
            }
        }

        Count(check.Rule, "unverified");
        logger.LogWarning("Could not verify that remediation {RequestId} by rule {Rule} resolved alert {AlertName} ({Fingerprint}): Alertmanager did not answer",
            check.RequestId, check.Rule, check.Alert.Name, check.Alert.Fingerprint);
        await audit.AppendAsync(new AuditRecord("remediation-unverified", $"{Principal}:{check.Rule}", check.RequestId,
            $"Alertmanager could not be asked whether alert {check.Alert.Name} ({check.Alert.Fingerprint}) resolved after the remediation of {check.Resource}", "unverified"), cancellationToken);
    }

    /// <summary>
    /// The alert still fires after the window: the rule and resource are held (no blind repeat) until the alert
    /// resolves or an operator clears the hold. Returns false when the check was already settled.
    /// </summary>
    public async Task<bool> MarkIneffectiveAsync(PendingCheck check, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (!checks.Remove(check))
            {
                return false;
            }

            holds[(check.Rule, check.Resource)] = check.Alert.Fingerprint;
        }

        Count(check.Rule, "ineffective");
        logger.LogWarning("Remediation {RequestId} by rule {Rule} on {Resource} did not resolve alert {AlertName} ({Fingerprint}) within {Window}; held until it resolves or an operator clears it",
            check.RequestId, check.Rule, check.Resource, check.Alert.Name, check.Alert.Fingerprint, options.Value.EffectivenessWindow);
        await audit.AppendAsync(new AuditRecord("remediation-ineffective", $"{Principal}:{check.Rule}", check.RequestId,
            $"alert {check.Alert.Name} ({check.Alert.Fingerprint}) still firing {options.Value.EffectivenessWindow} after the remediation of {check.Resource}; held", "ineffective"), cancellationToken);
        return true;
    }

    /// <summary>An operator clears holds and cooldowns (all, or one rule's); returns how many holds were cleared.</summary>
    public async Task<int> ClearAsync(string operatorName, string? rule, CancellationToken cancellationToken = default)
    {
        int cleared;
        lock (gate)
        {
            var keys = holds.Keys.Where(k => rule is null || k.Rule == rule).ToList();
            cleared = keys.Count;
            foreach (var key in keys)
            {
                holds.Remove(key);
            }

            foreach (var key in cooldowns.Keys.Where(k => rule is null || k.Rule == rule).ToList())
            {
                cooldowns.Remove(key);
            }
        }

        await audit.AppendAsync(new AuditRecord("remediation-cleared", operatorName, null,
            $"holds and cooldowns cleared for {(rule is null ? "every rule" : $"rule {rule}")} ({cleared} hold(s))", "cleared"), cancellationToken);
        return cleared;
    }

    private void Count(string rule, string outcome)
    {
        outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        Remediations.Add(1, new KeyValuePair<string, object?>("rule", rule), new KeyValuePair<string, object?>("outcome", outcome));
    }
}
