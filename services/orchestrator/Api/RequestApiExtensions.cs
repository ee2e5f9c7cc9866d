using System.Text.Json;
using System.Text.Json.Serialization;
using K8sAgentPlatform.Orchestrator.Auth;
using K8sAgentPlatform.Orchestrator.Remediation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.OpenApi;

namespace K8sAgentPlatform.Orchestrator.Api;

public static class RequestApiExtensions
{
    private const string BearerScheme = "bearer";

    /// <summary>
    /// The HTTP API's services: snake_case JSON, problem details, OpenAPI, health checks, bearer-token auth
    /// (section "Auth") and the Idempotency-Key cache (section "Api"). The host must also register the bus
    /// (with <see cref="OrchestratorExtensions.AddRequestSaga"/>), <see cref="OrchestratorExtensions.AddOrchestratorCore"/>,
    /// an ISnapshotStore and an IAuditLog.
    /// </summary>
    public static IServiceCollection AddRequestApi(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TokenAuthenticator>();
        services.TryAddSingleton<IdempotencyCache>();
        services.TryAddSingleton<AcceptedRequests>();
        services.ConfigureHttpJsonOptions(o => Configure(o.SerializerOptions));
        services.AddProblemDetails();
        services.AddHealthChecks();
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "K8s Agent Platform API";
            document.Info.Description = "Plain-language or typed Kubernetes requests, checked by policy, confirmed by people, " +
                "executed with snapshots and rolled back on failure. Every /api call needs 'Authorization: Bearer <token>'.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A platform token (k8sa_...); roles viewer < operator < approver < admin.",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];
            return Task.CompletedTask;
        }));
        return services;
    }

    /// <summary>
    /// /api/requests, /api/rollbacks, /api/snapshots, /api/audit, /webhooks/alertmanager, /api/remediations and the OpenAPI document at /openapi/v1.json.
    /// </summary>
    public static IEndpointRouteBuilder MapRequestApi(this IEndpointRouteBuilder endpoints)
    {
        RequestEndpoints.Map(endpoints);
        OperationsEndpoints.Map(endpoints);
        RemediationEndpoints.Map(endpoints);
        endpoints.MapOpenApi();
        return endpoints;
    }

    /// <summary>The API's JSON conventions: snake_case names and enums as snake_case strings.</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
    }
}
