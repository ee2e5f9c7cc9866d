using k8s;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Policy;
using K8sAgentPlatform.Security;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Rollback.Consumers;
using K8sAgentPlatform.Rollback.Validation;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Rollback;

public static class RollbackServiceExtensions
{
    /// <summary>
    /// The rollback service (sections "Rollback", "Policy", "Kubernetes" and "Persistence", checked at start) and its
    /// consumer on the <see cref="Endpoints.Rollback"/> queue. Restores are re-checked against the same policy file
    /// as forward changes.
    /// </summary>
    public static IHostApplicationBuilder AddRollbackService(this IHostApplicationBuilder builder)
    {
        builder.Services.AddPersistence(builder.Configuration);
        builder.AddPlatformConsumers(bus => bus.AddRollbackService());
        return builder;
    }

    /// <summary>
    /// Registers the rollback service: options from the "Rollback" section (validated at start), the Kubernetes
    /// client unless one is registered, and the policy-backed <see cref="IRollbackValidator"/> unless another
    /// is registered. An <c>ISnapshotStore</c> must be registered by the host.
    /// </summary>
    public static IServiceCollection AddRollbackService(this IServiceCollection services, Action<RollbackOptions>? configure = null)
    {
        var builder = services.AddOptions<RollbackOptions>().BindConfiguration(RollbackOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.AddKubernetesChangeSupport(sp => sp.GetRequiredService<IOptions<RollbackOptions>>().Value.MaxConflictRetries);
        services.AddPlatformMetrics();
        services.AddPolicyEngine();
        services.AddAuthorizationVerification();
        services.TryAddSingleton<IRollbackValidator>(sp => new PolicyRollbackValidator(sp.GetRequiredService<PolicyEvaluator>()));
        return services;
    }

    /// <summary>Adds the rollback consumer to a bus; call inside AddMassTransit (or the test harness).</summary>
    public static IBusRegistrationConfigurator AddRollbackService(this IBusRegistrationConfigurator bus, Action<RollbackOptions>? configure = null)
    {
        AddRollbackService((IServiceCollection)bus, configure);
        bus.AddConsumer<RollbackRequestedConsumer>().Endpoint(PlatformBus.CommandQueue(Endpoints.Rollback));
        return bus;
    }
}
