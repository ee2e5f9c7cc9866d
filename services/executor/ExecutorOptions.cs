using System.ComponentModel.DataAnnotations;
using K8sAgentPlatform.Kubernetes;

namespace K8sAgentPlatform.Executor;

/// <summary>How the executor applies and verifies changes. Section "Executor".</summary>
public sealed class ExecutorOptions
{
    public const string Section = "Executor";

    [Required]
    public VerificationOptions Verification { get; set; } = new();

    /// <summary>How often a change that met a 409 is re-read and re-checked before the operation fails.</summary>
    [Range(1, 20)]
    public int MaxConflictRetries { get; set; } = 5;

    /// <summary>A drain gives up (the node stays cordoned) when its pods are not all gone within this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait before evicting again a pod whose disruption budget said no (429).</summary>
    [Range(typeof(TimeSpan), "00:00:00.01", "00:05:00")]
    public TimeSpan EvictionRetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>At most this many characters of logs go into a result.</summary>
    [Range(1000, 1_000_000)]
    public int MaxLogCharacters { get; set; } = 64 * 1024;

    /// <summary>get_logs of a workload reads at most this many of its pods.</summary>
    [Range(1, 50)]
    public int MaxLogPods { get; set; } = 5;

    /// <summary>How often the unconsumed snapshots are counted for the k8s_agent_active_snapshots gauge.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "01:00:00")]
    public TimeSpan SnapshotGaugeInterval { get; set; } = TimeSpan.FromSeconds(15);
}
