using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Remediation.Api;
using K8sAgentPlatform.Remediation.Consumers;
using K8sAgentPlatform.Remediation.Coordination;
using K8sAgentPlatform.Remediation.Rules;
using K8sAgentPlatform.WebApi;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Remediation;

public static class RemediationServiceExtensions
{
    /// <summary>
    /// Alert-driven remediation (sections "Remediation", "Auth", "Api" and "Persistence", checked at start): the
    /// Alertmanager webhook and /api/remediations, the rules, the coordinator, the consumer of RequestFinished and the
    /// effectiveness checks. Requests are submitted over the bus like any other system's. Without Remediation:RulesFile
    /// it is off: the routes answer 404 and nothing else runs.
    /// </summary>
    public static IHostApplicationBuilder AddRemediationService(this IHostApplicationBuilder builder)
    {
        // The audit log takes the alerts' decisions and the refused calls; the tokens tell an API token from the webhook's.
        builder.Services.AddPersistence(builder.Configuration);
        builder.Services.AddWebApi();
        builder.AddPlatformRoutes(RemediationEndpoints.Map);
        if (string.IsNullOrEmpty(builder.Configuration[$"{RemediationOptions.Section}:{nameof(RemediationOptions.RulesFile)}"]))
        {
            return builder;
        }

        builder.Services.AddOptions<RemediationOptions>().BindConfiguration(RemediationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        // The configured Alertmanager only: no redirects (they could lead anywhere), a capped answer, a short timeout;
        // any failure leaves the check unknown, and unknown ends as unverified at its deadline.
        builder.Services.AddHttpClient(RemediationTracker.HttpClientName, c =>
            {
                c.Timeout = TimeSpan.FromSeconds(10);
                c.MaxResponseContentBufferSize = RemediationTracker.MaxAnswerBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        builder.Services.TryAddSingleton(sp => RemediationRulesFile.Load(sp.GetRequiredService<IOptions<RemediationOptions>>().Value.RulesFile!));
        builder.Services.TryAddSingleton<RemediationCoordinator>();
        builder.Services.TryAddSingleton<RemediationTracker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RemediationTracker>());
        builder.AddPlatformConsumers(bus =>
        {
            bus.AddConsumer<RequestFinishedConsumer, RequestFinishedConsumerDefinition>();
            bus.AddConsumer<EmergencyStopChangedConsumer, EmergencyStopChangedConsumerDefinition>();
        });
        return builder;
    }
}
