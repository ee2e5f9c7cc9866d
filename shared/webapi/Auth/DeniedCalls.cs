using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Persistence;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.WebApi.Auth;

/// <summary>
/// What refused calls may cost. Calls without a valid token write nothing per call: they are counted per client and
/// summarised in one audit entry per interval (<see cref="DeniedCallsSummary"/>), so a flood of them cannot grow the
/// audit chain or bury a request's entries. Every refused call (any status) takes a permit from a per-client fixed-window
/// limiter (.NET's System.Threading.RateLimiting, the limiter ASP.NET Core's middleware uses); a client past its budget
/// is answered 429 without further work.
/// </summary>
public sealed class DeniedCalls : IDisposable
{
    private readonly PartitionedRateLimiter<string> limiter;
    private readonly PlatformMetrics metrics;
    private ConcurrentDictionary<string, long> unauthenticated = new(StringComparer.Ordinal);
    private long throttled;

    public DeniedCalls(IOptions<AuthOptions> options, PlatformMetrics metrics)
    {
        this.metrics = metrics;
        var perMinute = options.Value.DeniedCallsPerMinute;
        limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>The client a refused call is counted against: the connection's remote address (forwarded headers are not trusted).</summary>
    public static string ClientOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>
    /// Records one refused call; false when the client is past its budget (answer 429 and do nothing else).
    /// </summary>
    public bool Admit(string client, int status, out TimeSpan retryAfter)
    {
        using var lease = limiter.AttemptAcquire(client);
        if (!lease.IsAcquired)
        {
            retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
            Interlocked.Increment(ref throttled);
            if (status == StatusCodes.Status401Unauthorized)
            {
                CountUnauthenticated(client);
            }

            metrics.ApiCallDenied(StatusCodes.Status429TooManyRequests);
            return false;
        }

        retryAfter = TimeSpan.Zero;
        if (status == StatusCodes.Status401Unauthorized)
        {
            CountUnauthenticated(client);
        }

        metrics.ApiCallDenied(status);
        return true;
    }

    /// <summary>The counts since the last call, per client, and how many of them were answered 429; resets them.</summary>
    public (IReadOnlyDictionary<string, long> PerClient, long Throttled) Take()
    {
        var counts = Interlocked.Exchange(ref unauthenticated, new ConcurrentDictionary<string, long>(StringComparer.Ordinal));
        return (counts, Interlocked.Exchange(ref throttled, 0));
    }

    public void Dispose() => limiter.Dispose();

    private void CountUnauthenticated(string client) => unauthenticated.AddOrUpdate(client, 1, (_, count) => count + 1);
}

/// <summary>Writes the counts of <see cref="DeniedCalls"/> as one audit entry (no request id) and one warning per interval, when there were any.</summary>
public sealed class DeniedCallsSummary(DeniedCalls denied, IAuditLog audit, IOptions<AuthOptions> options, TimeProvider time, ILogger<DeniedCallsSummary> logger)
    : BackgroundService
{
    private const int ClientsNamed = 5;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.DenialSummaryInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await WriteAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await WriteAsync(cancellationToken);
    }

    /// <summary>One entry for everything counted since the last one; nothing when nothing was refused.</summary>
    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        var (perClient, throttled) = denied.Take();
        if (perClient.Count == 0 && throttled == 0)
        {
            return;
        }

        var total = perClient.Values.Sum();
        var named = string.Join(", ", perClient.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(ClientsNamed)
            .Select(c => $"{c.Key} x{c.Value.ToString(CultureInfo.InvariantCulture)}"));
        var more = perClient.Count > ClientsNamed ? $" and {perClient.Count - ClientsNamed} more" : "";
        var detail = $"{total} calls without a valid token from {perClient.Count} client(s): {named}{more}; {throttled} refused call(s) answered 429 (over the client's budget)";
        logger.LogWarning("Refused {Total} unauthenticated calls since the last summary: {Detail}", total, detail);
        try
        {
            await audit.AppendAsync(new AuditRecord("denied-unauthenticated", "system", Detail: detail, Outcome: "401"), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not write the summary of refused calls to the audit log");
        }
    }
}
