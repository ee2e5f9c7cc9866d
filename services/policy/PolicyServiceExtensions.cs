using k8s;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Policy.Consumers;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Kubernetes;
using K8sAgentPlatform.Policy.Policies;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace K8sAgentPlatform.Policy;

/// <summary>Where the policy service reads its policy from.</summary>
public sealed class PolicyServiceOptions
{
    /// <summary>Path of the YAML policy file; null for the built-in defaults.</summary>
    public string? PolicyFile { get; set; }

    /// <summary>Settings given directly (tests, embedded host); wins over <see cref="PolicyFile"/>.</summary>
    public PolicySettings? Settings { get; set; }
}

public static class PolicyServiceExtensions
{
    /// <summary>
    /// Registers the policy evaluator. The policy file is read when the evaluator is first resolved and a
    /// bad file throws <see cref="PolicyFileException"/> naming every line and key. Live checks run when an
    /// <see cref="IClusterReader"/> or an <see cref="IKubernetes"/> client is registered.
    /// </summary>
    public static IServiceCollection AddPolicyService(this IServiceCollection services, Action<PolicyServiceOptions>? configure = null)
    {
        var options = new PolicyServiceOptions();
        configure?.Invoke(options);
        services.AddPlatformMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => options.Settings ?? (options.PolicyFile is { } path ? Policies.PolicyFile.Load(path) : PolicySettings.Default));
        services.TryAddSingleton(sp => new PolicyEvaluator(
            sp.GetRequiredService<PolicySettings>(),
            sp.GetService<IClusterReader>() ?? (sp.GetService<IKubernetes>() is { } client
                ? new KubernetesClusterReader(client, sp.GetRequiredService<TimeProvider>())
                : null)));
        return services;
    }

    /// <summary>Adds the policy service's consumers to a bus; call inside AddMassTransit (or the test harness).</summary>
    public static IBusRegistrationConfigurator AddPolicyService(this IBusRegistrationConfigurator bus, Action<PolicyServiceOptions>? configure = null)
    {
        AddPolicyService((IServiceCollection)bus, configure);
        bus.AddConsumer<IntentParsedConsumer>();
        bus.AddConsumer<RevalidateOperationConsumer>();
        return bus;
    }
}
