namespace K8sAgentPlatform.Contracts;

/// <summary>
/// Event: published by the orchestrator's sweeper when a request stayed in a state (other than waiting for
/// confirmation, which has <see cref="ConfirmationExpired"/>) past that state's deadline: a service did not answer.
/// The saga checks the deadline and the state again, so a sweep that raced the answer changes nothing.
/// </summary>
public sealed record DeadlinePassed
{
    public required Guid RequestId { get; init; }
    /// <summary>The state the sweeper saw, one of <see cref="RequestStates.NonFinal"/>.</summary>
    public required string State { get; init; }
    public required DateTimeOffset Deadline { get; init; }
    public required DateTimeOffset DetectedAt { get; init; }
}
