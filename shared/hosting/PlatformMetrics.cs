using System.Diagnostics.Metrics;
using K8sAgentPlatform.Contracts.Intent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace K8sAgentPlatform.Hosting;

/// <summary>
/// The platform's metrics, with the brief's names and labels, each recorded by the service where the thing
/// happens. Label values come from closed sets (enum wire names, rule ids, fixed words) or the namespace, so
/// the number of series stays bounded: no request ids, no resource names.
/// </summary>
public sealed class PlatformMetrics
{
    public const string MeterName = PlatformTelemetry.SourceName;

    public const string OperationsTotal = "k8s_agent_operations_total";
    public const string OperationsBlockedTotal = "k8s_agent_operations_blocked_total";
    public const string IntentClassificationDuration = "k8s_agent_intent_classification_duration_seconds";
    public const string RollbacksTotal = "k8s_agent_rollbacks_total";
    public const string ActiveSnapshots = "k8s_agent_active_snapshots";
    public const string RiskLevelTotal = "k8s_agent_risk_level_total";
    public const string OperationsRefusedTotal = "k8s_agent_operations_refused_total";
    public const string EmergencyStopGauge = "k8s_agent_emergency_stop";
    public const string RequestsInState = "k8s_agent_requests_in_state";
    public const string OldestRequestAge = "k8s_agent_oldest_request_age_seconds";
    public const string ApiDeniedTotal = "k8s_agent_api_denied_total";

    /// <summary>The brief's buckets (0.1 .. 10 s) plus finer ones below: the offline parser answers in microseconds.</summary>
    public static readonly IReadOnlyList<double> ClassificationBuckets = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

    private readonly Counter<long> operations;
    private readonly Counter<long> blocked;
    private readonly Histogram<double> classification;
    private readonly Counter<long> rollbacks;
    private readonly Counter<long> riskLevels;
    private readonly Counter<long> refused;
    private readonly Counter<long> denied;
    private int emergencyStop;
    private long activeSnapshots = -1; // -1: not counted yet
    private IReadOnlyList<RequestStateSample>? requestStates;

    public PlatformMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(new MeterOptions(MeterName));
        operations = Meter.CreateCounter<long>(OperationsTotal, description: "Operations executed, by type, resource type, namespace and status (success|failure).");
        blocked = Meter.CreateCounter<long>(OperationsBlockedTotal, description: "Operations rejected by policy, by type and the rule that blocked them.");
        classification = Meter.CreateHistogram(IntentClassificationDuration, unit: null,
            description: "Time spent turning a request's text into an intent, by parser and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ClassificationBuckets });
        rollbacks = Meter.CreateCounter<long>(RollbacksTotal, description: "Snapshot restores, by trigger (automatic|manual) and success (true|false).");
        refused = Meter.CreateCounter<long>(OperationsRefusedTotal,
            description: "Commands the executor or the rollback service refused before touching the cluster, by reason (missing, invalid_signature, unknown_key, expired, mismatch, replayed, static_policy).");
        denied = Meter.CreateCounter<long>(ApiDeniedTotal,
            description: "HTTP calls refused before they reached an endpoint's work, by status (401 no valid token, 403 not allowed, 409 stale confirmation, 429 too many refused calls from one client).");
        Meter.CreateObservableGauge(EmergencyStopGauge, () => Volatile.Read(ref emergencyStop),
            description: "1 while an administrator has stopped the platform (no operation starts), else 0.");
        riskLevels = Meter.CreateCounter<long>(RiskLevelTotal, description: "Validated intents by the risk level policy assessed (the highest of its operations).");
        Meter.CreateObservableGauge(ActiveSnapshots, ObserveActiveSnapshots,
            description: "Snapshots stored and not yet restored or set aside: what a rollback could still use.");
        Meter.CreateObservableGauge(RequestsInState, () => ObserveStates(s => s.Count),
            description: "Requests in each non-final saga state.");
        Meter.CreateObservableGauge(OldestRequestAge, () => ObserveStates(s => s.OldestAge.TotalSeconds),
            description: "Seconds since the least recently changed request in each non-final state last changed.");
    }

    /// <summary>The meter (made by the container's IMeterFactory, so tests can listen to one container only).</summary>
    public Meter Meter { get; }

    public void OperationExecuted(OperationType operation, ResourceType resource, string? @namespace, bool success) =>
        operations.Add(1,
            new("operation_type", Name(operation)),
            new("resource_type", Name(resource)),
            new("namespace", @namespace ?? ""),
            new("status", success ? "success" : "failure"));

    /// <summary>Reason: a policy rule id (the policy service's RuleIds).</summary>
    public void OperationBlocked(OperationType? operation, string reason) =>
        blocked.Add(1,
            new("operation_type", operation is { } o ? Name(o) : "unknown"),
            new("block_reason", reason));

    /// <summary>Outcome: "parsed", or the failure code carried by IntentParsingFailed.Kind.</summary>
    public void IntentClassified(string parser, string outcome, TimeSpan duration) =>
        classification.Record(duration.TotalSeconds, new("parser", parser), new("outcome", outcome));

    /// <summary>Automatic: the saga compensating a failed request; manual: a rollback asked through the API.</summary>
    public void RollbackFinished(bool automatic, bool success) =>
        rollbacks.Add(1, new("trigger", automatic ? "automatic" : "manual"), new("success", success ? "true" : "false"));

    public void ReportEmergencyStop(bool stopped) => Volatile.Write(ref emergencyStop, stopped ? 1 : 0);

    public void OperationRefused(string service, string reason) =>
        refused.Add(1, new KeyValuePair<string, object?>("service", service), new KeyValuePair<string, object?>("reason", reason));

    public void ApiCallDenied(int status) =>
        denied.Add(1, new KeyValuePair<string, object?>("status", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public void RiskAssessed(RiskLevel level) => riskLevels.Add(1, new KeyValuePair<string, object?>("risk_level", Name(level)));

    /// <summary>Set by whoever counts the store; nothing is reported before the first count.</summary>
    public void ReportActiveSnapshots(long count) => Interlocked.Exchange(ref activeSnapshots, count);

    /// <summary>Every non-final state with its count (zero included, so alerts see the series drop).</summary>
    public void ReportRequestStates(IReadOnlyList<RequestStateSample> states) => Volatile.Write(ref requestStates, states);

    private IEnumerable<Measurement<long>> ObserveActiveSnapshots()
    {
        if (Interlocked.Read(ref activeSnapshots) is var count and >= 0)
        {
            yield return new Measurement<long>(count);
        }
    }

    private IEnumerable<Measurement<T>> ObserveStates<T>(Func<RequestStateSample, T> value) where T : struct =>
        (Volatile.Read(ref requestStates) ?? []).Select(s => new Measurement<T>(value(s), new KeyValuePair<string, object?>("state", s.State)));

    private static string Name<T>(T value) where T : struct, Enum => Enum.IsDefined(value) ? WireNames.Of(value) : "unknown";
}

/// <summary>One non-final saga state: how many requests are in it and how long the stalest has not moved.</summary>
public sealed record RequestStateSample(string State, long Count, TimeSpan OldestAge);

public static class PlatformMetricsExtensions
{
    /// <summary>Registers <see cref="PlatformMetrics"/> once per container; every service registration calls it.</summary>
    public static IServiceCollection AddPlatformMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<PlatformMetrics>();
        return services;
    }
}
