using System.Diagnostics;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>The trace source of every Kubernetes API call made through this library.</summary>
public static class KubernetesTelemetry
{
    public const string SourceName = "K8sAgentPlatform.Kubernetes";

    public static readonly ActivitySource Source = new(SourceName);
}
