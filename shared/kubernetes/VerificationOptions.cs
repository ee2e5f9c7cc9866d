using System.ComponentModel.DataAnnotations;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>How long and how closely a change is watched before it counts as done or failed.</summary>
public sealed class VerificationOptions
{
    /// <summary>The rollout must complete within this, else the change failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a new pod may show a reason it will never become ready (ImagePullBackOff, ErrImagePull,
    /// CrashLoopBackOff...) before the change is declared failed, without waiting for the progress deadline.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:30:00")]
    public TimeSpan FailureGrace { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00.01", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>What verification saw: done, or failed with the evidence (pod reasons, events).</summary>
public sealed record Verification(bool Success, string Summary, IReadOnlyList<string> Evidence)
{
    public static Verification Done(string summary) => new(true, summary, []);
}
