namespace K8sAgentPlatform.Contracts;

/// <summary>
/// Event: an administrator stopped the platform or resumed it. While stopped no operation starts (requests wait and go on
/// after the resume), remediation submits nothing; rollbacks compensating a failure still run.
/// </summary>
public sealed record EmergencyStopChanged
{
    public required bool Stopped { get; init; }
    public required string By { get; init; }
    public string? Reason { get; init; }
    public required DateTimeOffset At { get; init; }
}
