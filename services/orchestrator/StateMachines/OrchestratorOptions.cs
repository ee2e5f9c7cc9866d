using System.ComponentModel.DataAnnotations;

namespace K8sAgentPlatform.Orchestrator.StateMachines;

/// <summary>Settings of the request saga (section "Orchestrator").</summary>
public sealed class OrchestratorOptions
{
    public const string Section = "Orchestrator";

    /// <summary>How long a request waits for a human before it expires.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan ConfirmationTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the sweeper looks for expired confirmations.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the requests per state are counted for the k8s_agent_requests_in_state gauges.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "01:00:00")]
    public TimeSpan StateGaugeInterval { get; set; } = TimeSpan.FromSeconds(15);
}
