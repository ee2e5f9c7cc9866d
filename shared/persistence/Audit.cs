namespace K8sAgentPlatform.Persistence;

/// <summary>What happened, by whom, to which request: the input to <see cref="IAuditLog.AppendAsync"/>.</summary>
public sealed record AuditRecord(
    string Action,
    string Principal,
    Guid? RequestId = null,
    string? Detail = null,
    string? Outcome = null);

/// <summary>
/// One entry of the append-only, tamper-evident audit log. <see cref="Hash"/> is SHA-256 over the entry's
/// fields and <see cref="PreviousHash"/>, so editing or removing any entry breaks the chain after it.
/// Never holds secret values or tokens.
/// </summary>
public sealed record AuditEntry
{
    public required long Sequence { get; init; }
    public required DateTimeOffset At { get; init; }
    public required string Action { get; init; }
    public required string Principal { get; init; }
    public Guid? RequestId { get; init; }
    public string? Detail { get; init; }
    public string? Outcome { get; init; }
    public required string PreviousHash { get; init; }
    public required string Hash { get; init; }
}

public sealed record AuditQuery(Guid? RequestId = null, string? Principal = null, long AfterSequence = 0, int Limit = 200);

/// <summary>The result of walking the chain: the first entry whose hash or link does not hold, if any.</summary>
public sealed record AuditVerification(bool Intact, long EntriesChecked, long? FirstBrokenSequence, string? Problem);

public interface IAuditLog
{
    /// <summary>Appends an entry linked to the one before; safe under concurrent writers.</summary>
    Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Recomputes every hash and link from the first entry on.</summary>
    Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default);
}
