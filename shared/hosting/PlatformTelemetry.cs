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
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                if (otlp)
                {
                    t.AddOtlpExporter();
                }
            })
            .WithMetrics(m =>
            {
                m.AddMeter(SourceName, "MassTransit")
                    .AddView("k8s_agent_intent_classification_duration_seconds",
                        new ExplicitBucketHistogramConfiguration { Boundaries = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] })
                    .AddPrometheusExporter();
                if (otlp)
                {
                    m.AddOtlpExporter();
                }
            });
        return services;
    }

    /// <summary>A meter shared by every part of one process.</summary>
    public static readonly Meter Meter = new(SourceName);
}
