using System.Text.Json;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Remediation.Consumers;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Remediation.Coordination;

/// <summary>
/// Checks with Alertmanager's API that each completed remediation's alert resolves within the window (remediations
/// reach their final state through <see cref="RequestFinishedConsumer"/>); when it does not, the remediation is
/// ineffective and <see cref="RemediationIneffective"/> is published.
/// </summary>
public sealed class RemediationTracker(
    RemediationCoordinator coordinator,
    IHttpClientFactory http,
    IServiceScopeFactory scopes,
    TimeProvider time,
    IOptions<RemediationOptions> options,
    ILogger<RemediationTracker> logger) : PeriodicBackgroundService(time, logger)
{
    public const string HttpClientName = "alertmanager";

    /// <summary>The largest answer read from Alertmanager; a larger one fails the check (unknown, then unverified).</summary>
    public const int MaxAnswerBytes = 1024 * 1024;

    /// <summary>One pass over the effectiveness checks that are due.</summary>
    public async Task TrackOnceAsync(CancellationToken cancellationToken = default)
    {
        foreach (var check in coordinator.DueChecks())
        {
            var firing = await StillFiringAsync(check, cancellationToken);
            if (firing == false)
            {
                await coordinator.MarkEffectiveAsync(check, cancellationToken);
            }
            else if (firing is null && Time.GetUtcNow() >= check.Deadline)
            {
                // Unknown is not ineffective: holding a resource on a guess would block remediation for good.
                await coordinator.MarkUnverifiedAsync(check, cancellationToken);
            }
            else if (firing == true && Time.GetUtcNow() >= check.Deadline && await coordinator.MarkIneffectiveAsync(check, cancellationToken))
            {
                using var scope = scopes.CreateScope();
                await scope.ServiceProvider.GetRequiredService<IPublishEndpoint>().Publish(new RemediationIneffective
                {
                    RequestId = check.RequestId,
                    Rule = check.Rule,
                    Fingerprint = check.Alert.Fingerprint,
                    Resource = check.Resource,
                    AlertLabels = check.Alert.Labels,
                    CompletedAt = check.CompletedAt,
                    CheckedAt = Time.GetUtcNow(),
                }, cancellationToken);
            }
        }
    }

    /// <summary>True while Alertmanager lists the alert as active, false once it is gone, null when it cannot be asked.</summary>
    private async Task<bool?> StillFiringAsync(PendingCheck check, CancellationToken cancellationToken)
    {
        if (check.AlertmanagerUrl is not { Length: > 0 } baseUrl)
        {
            return null;
        }

        var filter = Uri.EscapeDataString($"alertname=\"{check.Alert.Name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        var url = $"{baseUrl.TrimEnd('/')}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true&filter={filter}";
        try
        {
            using var response = await http.CreateClient(HttpClientName).GetAsync(url, cancellationToken);
            response.EnsureSuccessStatusCode();
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            return document.RootElement.EnumerateArray().Any(a =>
                a.TryGetProperty("fingerprint", out var f) && f.GetString() == check.Alert.Fingerprint);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or InvalidOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Logger.LogWarning("Cannot ask Alertmanager at {Url} whether alert {Fingerprint} resolved: {Error}", baseUrl, check.Alert.Fingerprint, e.Message);
            return null;
        }
    }

    protected override TimeSpan Interval => options.Value.PollInterval;

    protected override string FailureMessage => "Remediation tracking failed; retrying at the next interval";

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => TrackOnceAsync(cancellationToken);
}
