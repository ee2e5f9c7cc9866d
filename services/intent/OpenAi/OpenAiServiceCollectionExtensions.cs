using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace K8sAgentPlatform.Intent.OpenAi;

public static class OpenAiServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="OpenAiIntentParser"/> (as itself: which parser answers for IIntentParser is the
    /// composition's choice) with <see cref="OpenAiOptions"/> bound from the <c>OpenAI</c> section and checked at start.
    /// A missing key is not a start failure; the parser then answers NotConfigured.
    /// </summary>
    public static IServiceCollection AddOpenAiIntentParser(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        // BindConfiguration reads IConfiguration from the container; a bare ServiceCollection (the CLI) has none.
        services.TryAddSingleton(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddOptions<OpenAiOptions>()
            .BindConfiguration(OpenAiOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<OpenAiIntentParser>();
        return services;
    }
}
