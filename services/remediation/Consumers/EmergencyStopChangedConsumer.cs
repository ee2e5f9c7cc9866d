using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Remediation.Coordination;
using MassTransit;

namespace K8sAgentPlatform.Remediation.Consumers;

/// <summary>While the platform is stopped, alerts start nothing (each is counted and audited as <c>stopped</c>).</summary>
public sealed class EmergencyStopChangedConsumer(RemediationCoordinator coordinator) : IConsumer<EmergencyStopChanged>
{
    public Task Consume(ConsumeContext<EmergencyStopChanged> context)
    {
        coordinator.EmergencyStopped = context.Message.Stopped;
        return Task.CompletedTask;
    }
}

/// <summary>On the remediation queue with RequestFinished: one queue, the service's own.</summary>
public sealed class EmergencyStopChangedConsumerDefinition : ConsumerDefinition<EmergencyStopChangedConsumer>
{
    public EmergencyStopChangedConsumerDefinition() => EndpointName = RequestFinishedConsumerDefinition.QueueName;
}
