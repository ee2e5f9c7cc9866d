using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Hosting;

/// <summary>
/// A background loop that runs one pass every <see cref="Interval"/> on the injected <see cref="TimeProvider"/>
/// (so tests move time instead of sleeping). A failed pass is logged as a warning with
/// <see cref="FailureMessage"/> and the loop goes on at the next tick; only cancellation stops it.
/// </summary>
public abstract class PeriodicBackgroundService(TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>The clock the loop ticks on; subclasses read the time from it too.</summary>
    protected TimeProvider Time { get; } = time;

    /// <summary>The logger of the concrete service, for the subclass's own entries as well.</summary>
    protected ILogger Logger { get; } = logger;

    /// <summary>Time between passes; read once when the loop starts.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>True to run a pass as soon as the service starts instead of waiting for the first tick.</summary>
    protected virtual bool RunAtStart => false;

    /// <summary>The warning logged, with the exception, when a pass fails.</summary>
    protected abstract string FailureMessage { get; }

    /// <summary>One pass of the work.</summary>
    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    /// <inheritdoc />
    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, Time);
        if (RunAtStart)
        {
            await RunGuardedAsync(stoppingToken);
        }

        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await RunGuardedAsync(stoppingToken);
        }
    }

    private async Task RunGuardedAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunOnceAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A store or broker hiccup must not stop the loop for good; the next tick tries again.
            Logger.LogWarning(e, FailureMessage);
        }
    }
}
