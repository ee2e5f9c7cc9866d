using System.ComponentModel.DataAnnotations;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>Which cluster to talk to, and how. Section "Kubernetes".</summary>
public sealed class KubernetesOptions
{
    public const string Section = "Kubernetes";

    /// <summary>API server URL (the sandbox, a proxy); wins over kubeconfig and in-cluster config.</summary>
    [Url]
    public string? Host { get; set; }

    /// <summary>Bearer token used with <see cref="Host"/>.</summary>
    public string? AccessToken { get; set; }

    /// <summary>Path of a kubeconfig file; null for KUBECONFIG or ~/.kube/config.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Context of the kubeconfig; null for its current-context.</summary>
    public string? Context { get; set; }

    /// <summary>Use the pod's service account even when a kubeconfig exists.</summary>
    public bool InCluster { get; set; }

    [Required]
    public RetryOptions Retry { get; set; } = new();

    /// <summary>How long a starting service waits for the cluster's /version before it stops with the reason.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Check the cluster when the host starts (on by default; tests that register a stand-in client turn it off).</summary>
    public bool CheckAtStart { get; set; } = true;
}
