using MassTransit;

namespace K8sAgentPlatform.Orchestrator.StateMachines;

/// <summary>
/// How the saga consumes: messages of one request one at a time (partitioned by request id), a lost
/// optimistic-concurrency race retried, and publishes held in an outbox until the new state is saved,
/// so nothing is published for a state change that did not happen.
/// </summary>
public sealed class RequestStateDefinition : SagaDefinition<RequestState>
{
    public RequestStateDefinition() => ConcurrentMessageLimit = 32;

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<RequestState> sagaConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Intervals(50, 200, 500, 1000, 2000).Handle<ConcurrencyException>());
        endpointConfigurator.UseInMemoryOutbox(context);
        var partition = endpointConfigurator.CreatePartitioner(ConcurrentMessageLimit ?? 32);
        sagaConfigurator.Message<Contracts.SubmitRequest>(x => x.UsePartitioner(partition, m => m.Message.RequestId));
        sagaConfigurator.Message<Contracts.IntentParsed>(x => x.UsePartitioner(partition, m => m.Message.RequestId));
        sagaConfigurator.Message<Contracts.IntentParsingFailed>(x => x.UsePartitioner(partition, m => m.Message.RequestId));
        sagaConfigurator.Message<Contracts.OperationValidated>(x => x.UsePartitioner(partition, m => m.Message.RequestId));
        sagaConfigurator.Message<Contracts.ConfirmRequest>(x => x.UsePartitioner(partition, m => m.Message.RequestId));
        sagaConfigurator.Message<Contracts.RejectRequest>(x => x.UsePartitioner(partition, m => m.Message.RequestId));
        sagaConfigurator.Message<Contracts.CancelRequest>(x => x.UsePartitioner(partition, m => m.Message.RequestId));
        sagaConfigurator.Message<Contracts.ConfirmationExpired>(x => x.UsePartitioner(partition, m => m.Message.RequestId));
        sagaConfigurator.Message<Contracts.OperationExecuted>(x => x.UsePartitioner(partition, m => m.Message.RequestId));
        sagaConfigurator.Message<Contracts.RollbackCompleted>(x => x.UsePartitioner(partition, m => m.Message.RequestId));
        sagaConfigurator.Message<Contracts.RollbackFailed>(x => x.UsePartitioner(partition, m => m.Message.RequestId));
        sagaConfigurator.Message<Contracts.DeadlinePassed>(x => x.UsePartitioner(partition, m => m.Message.RequestId));
        sagaConfigurator.Message<Contracts.ResumeRequest>(x => x.UsePartitioner(partition, m => m.Message.RequestId));
    }
}
