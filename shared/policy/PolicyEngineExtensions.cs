using k8s;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Kubernetes;
using K8sAgentPlatform.Policy.Policies;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Policy;

/// <summary>Where policy comes from (section "Policy").</summary>
public sealed class PolicyOptions
{
    public const string Section = "Policy";

    /// <summary>Path of the YAML policy file (policy.example.yaml shows every key); unset for the built-in defaults.</summary>
    public string? File { get; set; }

    /// <summary>
    /// The namespace the platform runs in, protected like kube-system whatever the policy file says (default
    /// <c>k8s-agent</c>; the Helm chart sets the release namespace). Not in the policy file on purpose: whoever may
    /// edit policy must not be able to open the platform's own tokens and keys to requests.
    /// </summary>
    public string? PlatformNamespace { get; set; }

    /// <summary>Settings given directly (tests); win over <see cref="File"/>. Not a configuration key.</summary>
    internal PolicySettings? Settings { get; set; }
}

public static class PolicyEngineExtensions
{
    /// <summary>
    /// The policy evaluator on the policy of section "Policy". The file is checked when the host starts: a bad
    /// file stops it with every error's line and key. Live checks and the dry run run when an
    /// <see cref="IClusterReader"/> or an <see cref="IKubernetes"/> client is registered. Every service that
    /// decides or re-checks with policy (policy, rollback) calls this, so they read the same file.
    /// </summary>
    public static IServiceCollection AddPolicyEngine(this IServiceCollection services, Action<PolicyOptions>? configure = null)
    {
        // BindConfiguration reads IConfiguration from the container; a bare ServiceCollection (harness tests) has none.
        services.TryAddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        var options = services.AddOptions<PolicyOptions>().BindConfiguration(PolicyOptions.Section).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PolicyOptions>, PolicyOptionsValidator>());
        services.AddPlatformMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<PolicyOptions>>().Value;
            var settings = o.Settings ?? (o.File is { Length: > 0 } path ? PolicyFile.Load(path) : PolicySettings.Default);
            return o.PlatformNamespace is { Length: > 0 } platform ? settings with { PlatformNamespace = platform } : settings;
        });
        services.TryAddSingleton(sp => new PolicyEvaluator(
            sp.GetRequiredService<PolicySettings>(),
            sp.GetService<IClusterReader>() ?? (sp.GetService<IKubernetes>() is { } client
                ? new KubernetesClusterReader(client, sp.GetRequiredService<TimeProvider>())
                : null),
            sp.GetServices<ILiveOperationCheck>()));
        return services;
    }

    private sealed class PolicyOptionsValidator : IValidateOptions<PolicyOptions>
    {
        public ValidateOptionsResult Validate(string? name, PolicyOptions options)
        {
            if (options.PlatformNamespace is { Length: > 0 } platform && Rules.Dns1123NameRule.Problem(platform, label: true) is { } problem)
            {
                return ValidateOptionsResult.Fail($"{PolicyOptions.Section}:{nameof(PolicyOptions.PlatformNamespace)} {problem}");
            }

            if (options.Settings is not null || options.File is not { Length: > 0 } path)
            {
                return ValidateOptionsResult.Success;
            }

            try
            {
                PolicyFile.Load(path);
                return ValidateOptionsResult.Success;
            }
            catch (PolicyFileException e)
            {
                return ValidateOptionsResult.Fail($"{PolicyOptions.Section}:{nameof(PolicyOptions.File)}: {e.Message}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return ValidateOptionsResult.Fail($"{PolicyOptions.Section}:{nameof(PolicyOptions.File)}: cannot read {path}: {e.Message}");
            }
        }
    }
}
