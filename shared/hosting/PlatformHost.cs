using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace K8sAgentPlatform.Hosting;

/// <summary>
/// The host every service's Program.cs builds: configuration from appsettings, environment (K8S_AGENT_ prefix
/// too) and arguments; telemetry; the bus; /healthz, /readyz and /metrics. A service adds only its own parts.
/// </summary>
public static class PlatformHost
{
    public static WebApplication Build(string[] args, string serviceName,
        Action<WebApplicationBuilder> addServices, Action<IBusRegistrationConfigurator> addConsumers)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Configuration.AddEnvironmentVariables("K8S_AGENT_");
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0"); // loopback by default: nothing is exposed unless asked
        }

        builder.Services.AddPlatformTelemetry(builder.Configuration, serviceName);
        builder.Services.AddHealthChecks();
        addServices(builder);
        builder.Services.AddPlatformBus(builder.Configuration, addConsumers);
        return builder.Build();
    }

    /// <summary>/healthz (the process runs), /readyz (the bus is connected), /metrics (Prometheus); the orchestrator's API maps its own health routes.</summary>
    public static WebApplication MapPlatformEndpoints(this WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapHealthChecks("/readyz", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable },
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
