using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Persistence;
using Microsoft.Extensions.Hosting;
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
    ILogger<ActiveSnapshotsGauge> logger) : BackgroundService
{
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        metrics.ReportActiveSnapshots(await snapshots.CountUnconsumedAsync(cancellationToken));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SnapshotGaugeInterval, time);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The gauge keeps its last value; the store's own health shows elsewhere.
                logger.LogWarning(e, "Counting active snapshots failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
