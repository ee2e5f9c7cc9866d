using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Contracts;

/// <summary>Event: policy's verdict on one operation of a request (one per operation; Count says how many to expect).</summary>
public sealed record OperationValidated
{
    public required Guid RequestId { get; init; }
    public required int Index { get; init; }
    public required int Count { get; init; }
    public required bool Approved { get; init; }
    public required bool RequiresConfirmation { get; init; }
    /// <summary>
    /// The confirmer must be someone other than the requester: policy assessed the operation at or above the
    /// policy file's <c>confirmation.four_eyes_from</c> risk (default high). Implies <see cref="RequiresConfirmation"/>.
    /// The saga and the API refuse the requester's own confirmation when any verdict of the request says so.
    /// </summary>
    public bool RequiresSecondPerson { get; init; }
    public IReadOnlyList<string> Reasons { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>The risk policy assigns; never lower than <see cref="ModelRiskLevel"/>.</summary>
    public required RiskLevel PolicyRiskLevel { get; init; }
    public required RiskLevel ModelRiskLevel { get; init; }
    public DryRunOutcome DryRun { get; init; } = DryRunOutcome.NotRun;
    /// <summary>
    /// What the change does to the object: the fields that differ between the live object and the server's dry-run
    /// result (server-managed metadata and status left out; a Secret's values never shown). Empty when no dry run
    /// passed or the operation has no single object to compare. Part of what a confirmation approves.
    /// </summary>
    public IReadOnlyList<FieldChange> Diff { get; init; } = [];
    /// <summary>The object's resourceVersion the verdict was reached against; approval binds to it.</summary>
    public string? ResourceVersion { get; init; }
    public DateTimeOffset ValidatedAt { get; init; }
    /// <summary>True when this answers a <see cref="RevalidateOperation"/> (the check right before execution).</summary>
    public bool PreExecution { get; init; }
}

/// <summary>
/// One changed field: <paramref name="Path"/> like <c>spec.template.spec.containers[0].image</c>; <paramref name="Before"/> and
/// <paramref name="After"/> the JSON text of the value, null when the field is absent on that side. A Secret's values read
/// <c>(redacted)</c>. Long values are cut; a last entry without values may say how many more fields changed.
/// </summary>
public sealed record FieldChange(string Path, string? Before, string? After)
{
    /// <summary>What stands for a value that must not be shown (a Secret's).</summary>
    public const string Redacted = "(redacted)";
}

/// <summary>What the server-side dry run (dryRun=All) said.</summary>
public sealed record DryRunOutcome(DryRunStatus Status, string? Message = null)
{
    public static readonly DryRunOutcome NotRun = new(DryRunStatus.NotRun);
}

public enum DryRunStatus
{
    NotRun,
    Passed,
    Failed,
    NotApplicable,
}
