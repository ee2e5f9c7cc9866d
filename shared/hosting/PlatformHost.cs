using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Hosting;

/// <summary>
/// The host every process builds, whether it runs one service (its Program.cs) or all of them (the embedded
/// platform): configuration from appsettings, environment (K8S_AGENT_ prefix too) and arguments; telemetry; one
/// bus carrying the consumers of every service added; /healthz, /readyz and /metrics. A service contributes
/// only through its <c>Add&lt;Service&gt;(IHostApplicationBuilder)</c>, so both kinds of host get the same parts.
/// </summary>
public static class PlatformHost
{
    /// <summary>The builder with the parts every host shares; <paramref name="serviceName"/> names its telemetry.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, string serviceName)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        // ASP.NET Core's own per-request lines (three JSON lines for every HTTP request, a poll included) cost more CPU than
        // the request; warnings and errors stay. The lowest-priority source, so appsettings or the environment can lower it.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning" },
        });
        builder.Configuration.AddEnvironmentVariables("K8S_AGENT_");
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0"); // loopback by default: nothing is exposed unless asked
        }

        builder.Services.AddPlatformTelemetry(builder.Configuration, serviceName);
        builder.Services.AddHealthChecks();
        Parts(builder).ServiceName = serviceName;
        return builder;
    }

    /// <summary>Adds a service's consumers to the host's one bus (created by <see cref="BuildPlatform"/>).</summary>
    public static IHostApplicationBuilder AddPlatformConsumers(this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator> register)
    {
        Parts(builder).Consumers.Add(register);
        return builder;
    }

    /// <summary>Adds a service's HTTP routes, mapped by <see cref="BuildPlatform"/> beside the shared ones.</summary>
    public static IHostApplicationBuilder AddPlatformRoutes(this IHostApplicationBuilder builder, Action<IEndpointRouteBuilder> map)
    {
        Parts(builder).Routes.Add(map);
        return builder;
    }

    /// <summary>Registers the bus with every consumer the services added, builds the app and maps every route.</summary>
    public static WebApplication BuildPlatform(this WebApplicationBuilder builder)
    {
        var parts = Parts(builder);
        builder.Services.AddPlatformBus(builder.Configuration, bus =>
        {
            foreach (var register in parts.Consumers)
            {
                register(bus);
            }
        }, parts.ServiceName);
        var app = builder.Build();
        app.MapPlatformEndpoints();
        foreach (var map in parts.Routes)
        {
            map(app);
        }

        return app;
    }

    /// <summary>
    /// Runs the host until it is stopped. Bad configuration or a missing dependency found at start ends it with the
    /// reason on standard error and exit code 1, not a stack trace.
    /// </summary>
    public static async Task<int> RunPlatformAsync(this WebApplication app)
    {
        // Read before running: a host that fails to start is disposed, and its Environment with it.
        var name = app.Environment.ApplicationName;
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (Exception e) when (e is OptionsValidationException or PlatformStartException)
        {
            await Console.Error.WriteLineAsync($"{name}: cannot start: {e.Message}");
            return 1;
        }
    }

    /// <summary>/healthz (the process runs), /readyz (the bus is connected, the cluster answered), /metrics (Prometheus).</summary>
    public static IEndpointRouteBuilder MapPlatformEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok")).ExcludeFromDescription();
        app.MapHealthChecks("/readyz", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable },
        }).ExcludeFromDescription();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static HostParts Parts(IHostApplicationBuilder builder)
    {
        if (!builder.Properties.TryGetValue(typeof(HostParts), out var parts))
        {
            parts = new HostParts();
            builder.Properties[typeof(HostParts)] = parts;
        }

        return (HostParts)parts;
    }

    private sealed class HostParts
    {
        public string ServiceName { get; set; } = "k8s-agent";

        public List<Action<IBusRegistrationConfigurator>> Consumers { get; } = [];
        public List<Action<IEndpointRouteBuilder>> Routes { get; } = [];
    }
}
