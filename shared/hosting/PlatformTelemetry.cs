using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace K8sAgentPlatform.Hosting;

/// <summary>Traces, metrics and logs, wired the same way in every service.</summary>
public static class PlatformTelemetry
{
    public const string SourceName = "K8sAgentPlatform";

    /// <summary>The platform's own spans (model calls, Kubernetes calls, policy decisions).</summary>
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// OpenTelemetry for one service: spans from MassTransit (context travels in message headers), ASP.NET
    /// Core, HttpClient (the model and Kubernetes calls) and the platform; the platform's meter for
    /// Prometheus; OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set; JSON logs.
    /// </summary>
    public static IServiceCollection AddPlatformTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var otlp = !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        services.AddPlatformMetrics();
        services.Configure<LoggerFactoryOptions>(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        services.AddLogging(logging => logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        }));
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceNamespace: "k8s-agent"))
            .WithTracing(t =>
            {
                t.AddSource(SourceName, $"{SourceName}.*", "MassTransit")
                    // Probes and scrapes arrive every few seconds and would bury the requests worth reading.
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsProbe(http.Request.Path))
                    .AddHttpClientInstrumentation();
                if (otlp)
                {
                    t.AddOtlpExporter();
                }
            })
            .WithMetrics(m =>
            {
                m.AddMeter(PlatformMetrics.MeterName, "MassTransit")
                    .AddPrometheusExporter();
                if (otlp)
                {
                    m.AddOtlpExporter();
                }
            });
        return services;
    }

    private static bool IsProbe(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");

    /// <summary>
    /// A meter shared by every part of one process. The brief's instruments live in <see cref="PlatformMetrics"/>
    /// (per container, so tests can listen to one); this stays for code that records outside a container.
    /// </summary>
    public static readonly Meter Meter = new(SourceName);
}
