namespace K8sAgentPlatform.Contracts;

/// <summary>
/// The saga's signed permission to run exactly one change: attached to every <see cref="ExecuteOperation"/> and
/// <see cref="RollbackRequested"/>. Signed with a key only the orchestrator holds; the executor and the rollback
/// service verify it before they touch the cluster and refuse a missing, invalid, expired, mismatched or
/// already-used one.
/// </summary>
public sealed record OperationAuthorization
{
    /// <summary>Unique per authorization.</summary>
    public required Guid Id { get; init; }
    public required Guid RequestId { get; init; }
    public required int OperationIndex { get; init; }
    /// <summary><see cref="AuthorizationSubjects.Execute"/> or <see cref="AuthorizationSubjects.Rollback"/>.</summary>
    public required string Subject { get; init; }
    /// <summary>SHA-256 (hex) of the exact operation (or restore) authorized.</summary>
    public required string OperationHash { get; init; }
    /// <summary>The resourceVersion the operation was validated against; null when there was none (a create).</summary>
    public string? ResourceVersion { get; init; }
    /// <summary>SHA-256 (hex) of the policy verdicts the change was approved on.</summary>
    public required string VerdictsHash { get; init; }
    public IReadOnlyList<string> ConfirmedBy { get; init; } = [];
    public required DateTimeOffset ExpiresAt { get; init; }
    /// <summary>Which signing key (rotation: verifiers trust several).</summary>
    public required string KeyId { get; init; }
    /// <summary>ECDSA P-256 / SHA-256 over the canonical form of the fields above, base64.</summary>
    public string Signature { get; init; } = "";
}

public static class AuthorizationSubjects
{
    public const string Execute = "execute";
    public const string Rollback = "rollback";
}
