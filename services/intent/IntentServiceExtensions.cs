using K8sAgentPlatform.Intent.Consumers;
using K8sAgentPlatform.Intent.Offline;
using K8sAgentPlatform.Intent.Parsing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace K8sAgentPlatform.Intent;

public static class IntentServiceExtensions
{
    /// <summary>
    /// The parsers: offline always; the model as well when <paramref name="modelParser"/> is given.
    /// <see cref="IIntentParser"/> resolves to the composite of the two.
    /// </summary>
    public static IServiceCollection AddIntentParsing(this IServiceCollection services, Func<IServiceProvider, IIntentParser?>? modelParser = null)
    {
        services.AddOptions<IntentOptions>().BindConfiguration(IntentOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IClusterContextSource, ConfiguredClusterContext>();
        services.TryAddSingleton<OfflineIntentParser>();
        services.TryAddSingleton<IIntentParser>(sp => new CompositeIntentParser(sp.GetRequiredService<OfflineIntentParser>(), modelParser?.Invoke(sp)));
        return services;
    }

    /// <summary>The intent service's consumers (RequestSubmitted -> IntentParsed | IntentParsingFailed).</summary>
    public static IBusRegistrationConfigurator AddIntentConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<RequestSubmittedConsumer>();
        return bus;
    }
}
