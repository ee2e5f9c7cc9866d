using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Intent.Consumers;
using K8sAgentPlatform.Intent.OpenAi;
using K8sAgentPlatform.Parsing.Offline;
using K8sAgentPlatform.Intent.Parsing;
using K8sAgentPlatform.Parsing;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace K8sAgentPlatform.Intent;

public static class IntentServiceExtensions
{
    /// <summary>The intent service: the parsers (sections "Intent" and "OpenAI") and the RequestSubmitted consumer.</summary>
    public static IHostApplicationBuilder AddIntentService(this IHostApplicationBuilder builder)
    {
        builder.Services.AddIntentParsing(builder.Configuration);
        builder.AddPlatformConsumers(bus => bus.AddIntentConsumers());
        return builder;
    }

    /// <summary>
    /// The parsers: offline always, and the model (section "OpenAI") when a key is configured.
    /// <see cref="IIntentParser"/> resolves to their composite.
    /// </summary>
    public static IServiceCollection AddIntentParsing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPlatformMetrics();
        services.AddOpenAiIntentParser(configuration);
        services.AddOptions<IntentOptions>().BindConfiguration(IntentOptions.Section);
        services.TryAddSingleton<IClusterContextSource, ConfiguredClusterContext>();
        services.TryAddSingleton<OfflineIntentParser>();
        services.TryAddSingleton<IIntentParser>(sp =>
        {
            var model = sp.GetRequiredService<OpenAiIntentParser>();
            return new CompositeIntentParser(sp.GetRequiredService<OfflineIntentParser>(), model.IsConfigured ? model : null);
        });
        return services;
    }

    /// <summary>The intent service's consumers (RequestSubmitted -> IntentParsed | IntentParsingFailed).</summary>
    public static IBusRegistrationConfigurator AddIntentConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<RequestSubmittedConsumer>();
        return bus;
    }
}
