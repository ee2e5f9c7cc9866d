using System.Text.Json;
using K8sAgentPlatform.Hosting;

namespace K8sAgentPlatform.Orchestrator.Safety;

/// <summary>Whether the platform is stopped, by whom, why and since when.</summary>
public sealed record EmergencyStopState(bool Stopped, string? By, string? Reason, DateTimeOffset? Since);

/// <summary>
/// The platform-wide emergency stop, kept in a small file beside the requests database so a restarted orchestrator is
/// still stopped. The saga asks it before any operation starts. (One orchestrator per deployment holds it.)
/// </summary>
public sealed class EmergencyStop
{
    private readonly string path;
    private readonly PlatformMetrics metrics;
    private readonly Lock gate = new();
    private EmergencyStopState state;

    public EmergencyStop(string path, PlatformMetrics metrics)
    {
        this.path = path;
        this.metrics = metrics;
        state = File.Exists(path)
            ? JsonSerializer.Deserialize<EmergencyStopState>(File.ReadAllText(path)) ?? new EmergencyStopState(false, null, null, null)
            : new EmergencyStopState(false, null, null, null);
        metrics.ReportEmergencyStop(state.Stopped);
    }

    public EmergencyStopState State
    {
        get { lock (gate) { return state; } }
    }

    public bool IsStopped => State.Stopped;

    /// <summary>Sets the stop; false when it was already in that position (nothing changes).</summary>
    public bool Set(bool stopped, string by, string? reason, DateTimeOffset at)
    {
        lock (gate)
        {
            if (state.Stopped == stopped)
            {
                return false;
            }

            var next = new EmergencyStopState(stopped, by, reason, at);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(next));
            File.Move(temporary, path, overwrite: true); // whole or not at all
            state = next;
            metrics.ReportEmergencyStop(stopped);
            return true;
        }
    }
}
