using K8sAgentPlatform.WebApi;
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
    /// The HTTP API's services: the shared web API parts (bearer-token auth from section "Auth", the body limit,
    /// problem details, snake_case JSON), OpenAPI, health checks and the Idempotency-Key cache (section "Api"). The host must also register the bus
    /// (with <see cref="OrchestratorExtensions.AddRequestSaga"/>), <see cref="OrchestratorExtensions.AddOrchestratorCore"/>,
    /// an ISnapshotStore and an IAuditLog.
    /// </summary>
    public static IServiceCollection AddRequestApi(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddWebApi();
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IdempotencyCache>();
        services.TryAddSingleton<AcceptedRequests>();
        services.AddHealthChecks();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "k8s-agent-console-csrf";
            o.Cookie.Path = WebApi.Auth.PlatformAuthentication.ConsolePath;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
        });
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
    /// /api/requests, /api/rollbacks, /api/snapshots, /api/audit, the OpenAPI document at /openapi/v1.json and the approval console at /ui.
    /// </summary>
    public static IEndpointRouteBuilder MapRequestApi(this IEndpointRouteBuilder endpoints)
    {
        RequestEndpoints.Map(endpoints);
        OperationsEndpoints.Map(endpoints);
        SafetyEndpoints.Map(endpoints);
        Console.ConsoleEndpoints.Map(endpoints);
        endpoints.MapOpenApi();
        return endpoints;
    }
}
