using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Orchestrator.StateMachines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Orchestrator.Monitoring;

/// <summary>
/// Counts the requests in each non-final saga state, and how long the stalest of them has not moved, for
/// k8s_agent_requests_in_state and k8s_agent_oldest_request_age_seconds: a saga stuck in Executing or
/// Compensating shows as a growing age. Counted in the background so a scrape never waits on the store.
/// </summary>
public sealed class RequestStateGauges(
    IRequestStore store,
    PlatformMetrics metrics,
    TimeProvider time,
    IOptions<OrchestratorOptions> options,
    ILogger<RequestStateGauges> logger) : PeriodicBackgroundService(time, logger)
{
    public static readonly IReadOnlyList<string> NonFinalStates = ["Parsing", "Validating", "AwaitingConfirmation", "Executing", "Compensating"];

    /// <summary>More than this many requests in one state is an incident already; the count stops there.</summary>
    public const int CountLimit = 10_000;

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        var samples = new List<RequestStateSample>();
        foreach (var state in NonFinalStates)
        {
            var requests = await store.QueryAsync(new RequestQuery(State: state, Limit: CountLimit), cancellationToken);
            var oldest = requests.Count == 0 ? now : requests.Min(r => r.UpdatedAt);
            samples.Add(new RequestStateSample(state, requests.Count, oldest > now ? TimeSpan.Zero : now - oldest));
        }

        metrics.ReportRequestStates(samples);
    }

    protected override TimeSpan Interval => options.Value.StateGaugeInterval;

    protected override bool RunAtStart => true;

    protected override string FailureMessage => "Counting requests per state failed";

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => RefreshAsync(cancellationToken);
}
