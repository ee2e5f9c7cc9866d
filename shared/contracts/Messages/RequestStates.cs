namespace K8sAgentPlatform.Contracts;

/// <summary>The names of a request's states (the saga's), defined once for the saga, the stores, the API and the client.</summary>
public static class RequestStates
{
    public const string Parsing = nameof(Parsing);
    public const string Validating = nameof(Validating);
    public const string AwaitingConfirmation = nameof(AwaitingConfirmation);
    public const string Executing = nameof(Executing);
    public const string Compensating = nameof(Compensating);

    public const string Completed = nameof(Completed);
    public const string Rejected = nameof(Rejected);
    public const string Expired = nameof(Expired);
    public const string Cancelled = nameof(Cancelled);
    public const string RolledBack = nameof(RolledBack);
    public const string CompensationFailed = nameof(CompensationFailed);
    public const string Failed = nameof(Failed);

    /// <summary>Every state, in the order a request moves through them.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        Parsing, Validating, AwaitingConfirmation, Executing, Compensating,
        Completed, Rejected, Expired, Cancelled, RolledBack, CompensationFailed, Failed,
    ];

    /// <summary>The states a request cannot leave.</summary>
    public static readonly IReadOnlySet<string> Final = new HashSet<string>(StringComparer.Ordinal)
    {
        Completed, Rejected, Expired, Cancelled, RolledBack, CompensationFailed, Failed,
    };

    /// <summary>The states a request passes through; each has a deadline.</summary>
    public static readonly IReadOnlySet<string> NonFinal = new HashSet<string>(StringComparer.Ordinal)
    {
        Parsing, Validating, AwaitingConfirmation, Executing, Compensating,
    };

    public static bool IsFinal(string? state) => state is not null && Final.Contains(state);
}
