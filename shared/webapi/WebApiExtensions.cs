using System.Text.Json;
using System.Text.Json.Serialization;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.WebApi.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace K8sAgentPlatform.WebApi;

public static class WebApiExtensions
{
    /// <summary>
    /// What every HTTP surface of the platform needs, checked at start: bearer tokens (section "Auth"), the body
    /// limit (Api:MaxBodyBytes), problem details and the JSON conventions. Registered once however many services
    /// of one host ask for it (the embedded host runs the API and the webhook side by side).
    /// </summary>
    public static IServiceCollection AddWebApi(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(TokenAuthenticator)))
        {
            return services;
        }

        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BodyLimitOptions>().BindConfiguration(BodyLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TokenAuthenticator>();
        services.AddPlatformAuthentication();
        services.AddPlatformMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DeniedCalls>();
        services.AddHostedService<DeniedCallsSummary>();
        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.AddProblemDetails();
        return services;
    }

    /// <summary>The API's JSON conventions: snake_case names and enums as snake_case strings.</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
    }
}
