using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Remediation.Coordination;
using MassTransit;

namespace K8sAgentPlatform.Remediation.Consumers;

/// <summary>
/// A request reached its final state: when it carried a remediation, that remediation ends (cooldown, breaker,
/// effectiveness check). Every other request is none of remediation's business and is ignored; a repeat is too.
/// </summary>
public sealed class RequestFinishedConsumer(RemediationCoordinator coordinator) : IConsumer<RequestFinished>
{
    public Task Consume(ConsumeContext<RequestFinished> context) =>
        coordinator.FinishedAsync(context.Message.RequestId, context.Message.FinalState, context.CancellationToken);
}

/// <summary>
/// Its own queue, <see cref="QueueName"/>, bound to RequestFinished: the API and anything else following requests
/// get their own copy of the event instead of competing with remediation for it.
/// </summary>
public sealed class RequestFinishedConsumerDefinition : ConsumerDefinition<RequestFinishedConsumer>
{
    public const string QueueName = "remediation";

    public RequestFinishedConsumerDefinition() => EndpointName = QueueName;
}
