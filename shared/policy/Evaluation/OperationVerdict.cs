using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Policy.Evaluation;

/// <summary>Policy's verdict on one operation.</summary>
public sealed record OperationVerdict
{
    public required int Index { get; init; }
    public required bool Approved { get; init; }
    public required bool RequiresConfirmation { get; init; }
    /// <summary>The confirmer must be someone other than the requester (policy risk at or above the four-eyes level).</summary>
    public bool RequiresSecondPerson { get; init; }
    public IReadOnlyList<string> Reasons { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>Why confirmation is needed, one entry per rule that asked for it.</summary>
    public IReadOnlyList<string> ConfirmationBecause { get; init; } = [];
    public required RiskLevel PolicyRiskLevel { get; init; }
    public required RiskLevel ModelRiskLevel { get; init; }
    public DryRunOutcome DryRun { get; init; } = DryRunOutcome.NotRun;
    /// <summary>What the change does to the object: live against the dry run's result (see <see cref="Contracts.OperationValidated.Diff"/>).</summary>
    public IReadOnlyList<Contracts.FieldChange> Diff { get; init; } = [];
    public string? ResourceVersion { get; init; }
    /// <summary>Whether the live checks ran (a cluster was given and the static checks passed).</summary>
    public bool LiveChecked { get; init; }

    /// <summary>The bus message of this verdict.</summary>
    public Contracts.OperationValidated ToMessage(Guid requestId, int count, DateTimeOffset at, bool preExecution = false) => new()
    {
        RequestId = requestId,
        Index = Index,
        Count = count,
        Approved = Approved,
        RequiresConfirmation = RequiresConfirmation,
        RequiresSecondPerson = RequiresSecondPerson,
        Reasons = Reasons,
        Warnings = Warnings,
        PolicyRiskLevel = PolicyRiskLevel,
        ModelRiskLevel = ModelRiskLevel,
        DryRun = DryRun,
        Diff = Diff,
        ResourceVersion = ResourceVersion,
        ValidatedAt = at,
        PreExecution = preExecution,
    };
}

/// <summary>The verdicts of every operation of an intent; approved only when each one is.</summary>
public sealed record IntentVerdict(IReadOnlyList<OperationVerdict> Operations)
{
    public bool Approved => Operations.Count > 0 && Operations.All(o => o.Approved);

    public bool RequiresConfirmation => Operations.Any(o => o.RequiresConfirmation);

    public bool RequiresSecondPerson => Operations.Any(o => o.RequiresSecondPerson);
}
