using System.ComponentModel.DataAnnotations;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>How the Kubernetes API client retries transient failures (429, 5xx, timeouts).</summary>
public sealed class RetryOptions
{
    /// <summary>Every request, the first one included; 1 turns retries off.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Backoff before the second attempt; doubles each time, with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A server's Retry-After is honoured up to this; longer waits are cut to it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time to the response headers of one attempt; a slower answer counts as a timeout and is retried.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
