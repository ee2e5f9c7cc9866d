using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Policy.Checks;
using K8sAgentPlatform.Policy.Consumers;
using K8sAgentPlatform.Policy.Kubernetes;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace K8sAgentPlatform.Policy;

public static class PolicyServiceExtensions
{
    /// <summary>
    /// The policy service (sections "Policy" and "Kubernetes", both checked at start): the evaluator, the
    /// cluster it checks against, and its consumers on the <see cref="Endpoints.Policy"/> queue.
    /// </summary>
    public static IHostApplicationBuilder AddPolicyService(this IHostApplicationBuilder builder)
    {
        builder.Services.AddKubernetesClient();
        // Snapshots (read only) for the restore check: whether someone changed the object since the change it undoes.
        builder.Services.AddPersistence(builder.Configuration);
        builder.Services.TryAddSingleton(sp => new KubernetesObjects(sp.GetRequiredService<k8s.IKubernetes>()));
        builder.Services.AddSingleton<ILiveOperationCheck, ChangedSinceChangeCheck>();
        builder.Services.AddPolicyEngine();
        builder.AddPlatformConsumers(bus => bus.AddPolicyConsumers());
        return builder;
    }

    /// <summary>
    /// The policy consumers on their own queue, which takes only the commands the saga sends
    /// (<see cref="ValidateOperations"/>, <see cref="RevalidateOperation"/>): it is bound to no published event.
    /// </summary>
    public static IBusRegistrationConfigurator AddPolicyConsumers(this IBusRegistrationConfigurator bus, Action<PolicyOptions>? configure = null)
    {
        bus.AddPolicyEngine(configure);
        bus.AddConsumer<ValidateOperationsConsumer>().Endpoint(PlatformBus.CommandQueue(Endpoints.Policy));
        bus.AddConsumer<RevalidateOperationConsumer>().Endpoint(PlatformBus.CommandQueue(Endpoints.Policy));
        return bus;
    }
}
