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
/// Deadlines without a message scheduler (Debian's RabbitMQ has no delayed-message plugin): every non-final state's
/// deadline lives on the saga, and this sweeper publishes ConfirmationExpired (waiting for a human) or DeadlinePassed
/// (waiting for a service) for every request past it. The saga checks the deadline again, so a sweep racing an answer
/// changes nothing.
/// </summary>
public sealed class DeadlineSweeper(
    IRequestStore store,
    IServiceScopeFactory scopes,
    TimeProvider time,
    IOptions<OrchestratorOptions> options,
    ILogger<DeadlineSweeper> logger) : PeriodicBackgroundService(time, logger)
{
    /// <summary>Publishes one expiry per overdue request; returns how many.</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = Time.GetUtcNow();
        var overdue = await store.QueryAsync(new RequestQuery(DeadlineBefore: now, Limit: 500), cancellationToken);
        if (overdue.Count == 0)
        {
            return 0;
        }

        using var scope = scopes.CreateScope();
        var publisher = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();
        foreach (var request in overdue)
        {
            Logger.LogInformation("Request {RequestId} passed the deadline {Deadline} of state {State}", request.CorrelationId, request.Deadline, request.CurrentState);
            if (request.CurrentState == RequestStates.AwaitingConfirmation)
            {
                await publisher.Publish(new ConfirmationExpired { RequestId = request.CorrelationId, ExpiredAt = now }, cancellationToken);
            }
            else if (RequestStates.NonFinal.Contains(request.CurrentState) && request.Deadline is { } deadline)
            {
                await publisher.Publish(new DeadlinePassed { RequestId = request.CorrelationId, State = request.CurrentState, Deadline = deadline, DetectedAt = now },
                    cancellationToken);
            }
        }

        return overdue.Count;
    }

    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override string FailureMessage => "Deadline sweep failed; retrying at the next interval";

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => SweepOnceAsync(cancellationToken);
}
