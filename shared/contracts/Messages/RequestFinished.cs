namespace K8sAgentPlatform.Contracts;

/// <summary>
/// Event: a request reached a final state (one of <see cref="RequestStates.Final"/>) and will not change again.
/// Published once by the saga; whoever waits for a request (API followers, the remediation service) consumes it
/// instead of polling.
/// </summary>
public sealed record RequestFinished
{
    public required Guid RequestId { get; init; }
    /// <summary>The final state's name, e.g. Completed or RolledBack.</summary>
    public required string FinalState { get; init; }
    /// <summary>Why it ended there, for people.</summary>
    public string? Outcome { get; init; }
    public IReadOnlyList<string> Reasons { get; init; } = [];
    /// <summary>What each operation that ran did, in index order.</summary>
    public IReadOnlyList<OperationExecuted> Results { get; init; } = [];
    public required string Principal { get; init; }
    public string Source { get; init; } = "";
    public DateTimeOffset FinishedAt { get; init; }
}
