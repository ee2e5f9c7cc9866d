using System.ComponentModel.DataAnnotations;

namespace K8sAgentPlatform.Orchestrator.Api;

/// <summary>Settings of the HTTP API (section "Api"; its body limit, Api:MaxBodyBytes, is the shared WebApi.BodyLimitOptions).</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>How long an Idempotency-Key's first response is replayed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How many remembered responses at most; the oldest go first.</summary>
    [Range(1, 1_000_000)]
    public int IdempotencyCapacity { get; set; } = 10_000;
}
