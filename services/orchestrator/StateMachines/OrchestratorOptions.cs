using System.ComponentModel.DataAnnotations;

namespace K8sAgentPlatform.Orchestrator.StateMachines;

/// <summary>
/// Settings of the request saga (section "Orchestrator"). Every state a request passes through has a deadline, so a
/// request never waits silently for a service that is down or stuck.
/// </summary>
public sealed class OrchestratorOptions
{
    public const string Section = "Orchestrator";

    /// <summary>How long the intent service may take to parse a request (a model call with its retries included).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ParseTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long policy may take to validate every operation (live checks and dry runs included).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ValidateTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a request waits for a human before it expires.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan ConfirmationTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long one operation may take from its re-validation to its verified result. Longer than the executor's
    /// rollout verification and drain timeouts (5 minutes each by default), so it only ends operations nobody reports on.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ExecuteTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long restoring one snapshot may take, verification included.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CompensateTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Where the emergency stop is kept across restarts; default emergency-stop.json in the user's data directory.</summary>
    public string? EmergencyStopFile { get; set; }

    /// <summary>How often the sweeper looks for requests past their deadline.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the requests per state are counted for the k8s_agent_requests_in_state gauges.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "01:00:00")]
    public TimeSpan StateGaugeInterval { get; set; } = TimeSpan.FromSeconds(15);
}
