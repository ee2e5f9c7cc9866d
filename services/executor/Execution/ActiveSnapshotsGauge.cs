using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Persistence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Executor.Execution;

/// <summary>
/// Counts the unconsumed snapshots now and then for the k8s_agent_active_snapshots gauge, so a scrape reads a
/// number in memory instead of waiting on the store. Only the executor reports it: it is the one that stores
/// snapshots, and one series per store keeps a sum over services honest.
/// </summary>
public sealed class ActiveSnapshotsGauge(
    ISnapshotStore snapshots,
    PlatformMetrics metrics,
    IOptions<ExecutorOptions> options,
    TimeProvider time,
    ILogger<ActiveSnapshotsGauge> logger) : PeriodicBackgroundService(time, logger)
{
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        metrics.ReportActiveSnapshots(await snapshots.CountUnconsumedAsync(cancellationToken));
    }

    protected override TimeSpan Interval => options.Value.SnapshotGaugeInterval;

    protected override bool RunAtStart => true;

    // The gauge keeps its last value; the store's own health shows elsewhere.
    protected override string FailureMessage => "Counting active snapshots failed";

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => RefreshAsync(cancellationToken);
}
