using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Orchestrator.Remediation;

public static class RemediationExtensions
{
    /// <summary>
    /// Alert-driven remediation (section "Remediation"): the rules, the coordinator and the tracker. Nothing is
    /// registered when Remediation:RulesFile is not set; the webhook then answers 404. Needs AddRequestApi.
    /// </summary>
    public static IServiceCollection AddRemediation(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrEmpty(configuration[$"{RemediationOptions.Section}:{nameof(RemediationOptions.RulesFile)}"]))
        {
            return services;
        }

        services.AddOptions<RemediationOptions>().BindConfiguration(RemediationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(RemediationTracker.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.TryAddSingleton(sp => RemediationRulesFile.Load(sp.GetRequiredService<IOptions<RemediationOptions>>().Value.RulesFile!));
        services.TryAddSingleton<RemediationCoordinator>();
        services.TryAddSingleton<RemediationTracker>();
        services.AddHostedService(sp => sp.GetRequiredService<RemediationTracker>());
        return services;
    }
}
