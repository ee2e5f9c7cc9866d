using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Orchestrator.StateMachines;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Orchestrator.Sweeping;

/// <summary>
/// Confirmation expiry without a message scheduler (Debian's RabbitMQ has no delayed-message plugin): the
/// deadline lives on the saga, and this sweeper publishes ConfirmationExpired for every request past it.
/// The saga checks the deadline again, so a sweep racing a confirmation changes nothing.
/// </summary>
public sealed class ConfirmationSweeper(
    IRequestStore store,
    IServiceScopeFactory scopes,
    TimeProvider time,
    IOptions<OrchestratorOptions> options,
    ILogger<ConfirmationSweeper> logger) : PeriodicBackgroundService(time, logger)
{
    /// <summary>Publishes one ConfirmationExpired per overdue request; returns how many.</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = Time.GetUtcNow();
        var overdue = await store.QueryAsync(new RequestQuery(State: "AwaitingConfirmation", ConfirmationDeadlineBefore: now, Limit: 500), cancellationToken);
        if (overdue.Count == 0)
        {
            return 0;
        }

        using var scope = scopes.CreateScope();
        var publisher = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();
        foreach (var request in overdue)
        {
            Logger.LogInformation("Request {RequestId} passed its confirmation deadline {Deadline}", request.CorrelationId, request.ConfirmationDeadline);
            await publisher.Publish(new ConfirmationExpired { RequestId = request.CorrelationId, ExpiredAt = now }, cancellationToken);
        }

        return overdue.Count;
    }

    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override string FailureMessage => "Confirmation sweep failed; retrying at the next interval";

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => SweepOnceAsync(cancellationToken);
}
