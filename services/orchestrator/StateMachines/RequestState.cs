using K8sAgentPlatform.Contracts;
using MassTransit;

namespace K8sAgentPlatform.Orchestrator.StateMachines;

/// <summary>One request's saga: where it is, what policy said, what ran, and what must be undone.</summary>
public sealed class RequestState : SagaStateMachineInstance, ISagaVersion
{
    public Guid CorrelationId { get; set; }
    public int Version { get; set; }
    public string CurrentState { get; set; } = "";

    public string Principal { get; set; } = "";
    /// <summary>For raw JSON: the name the publisher asked for (see <see cref="SubmitRequest.OnBehalfOf"/>).</summary>
    public string? OnBehalfOf { get; set; }
    public string Source { get; set; } = "";
    public string? Text { get; set; }
    public bool DryRun { get; set; }
    public DateTimeOffset SubmittedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The intent in its canonical JSON form (IntentJson), once parsed.</summary>
    public string? IntentJson { get; set; }
    public string? Parser { get; set; }
    public int OperationCount { get; set; }
    public string? ModelRiskLevel { get; set; }

    /// <summary>Policy's latest verdict per operation (index order).</summary>
    public List<OperationValidated> Verdicts { get; set; } = [];
    public List<OperationExecuted> Results { get; set; } = [];

    /// <summary>The operation to run next.</summary>
    public int NextIndex { get; set; }
    /// <summary>Operations whose change reached the cluster (with a snapshot), in the order they ran.</summary>
    public List<int> Applied { get; set; } = [];
    /// <summary>Operations still to roll back while compensating, newest first.</summary>
    public List<int> RollbackQueue { get; set; } = [];
    public List<RollbackCompleted> Rollbacks { get; set; } = [];

    /// <summary>When the current non-final state ends if nothing answers (the sweeper enforces it); null once final.</summary>
    public DateTimeOffset? Deadline { get; set; }
    /// <summary>While waiting for a human: when the confirmation expires (the same instant as <see cref="Deadline"/>).</summary>
    public DateTimeOffset? ConfirmationDeadline { get; set; }
    public List<string> ConfirmedBy { get; set; } = [];
    /// <summary>The confirmation round the request waits in (0 before the first); a confirm must name it.</summary>
    public int ConfirmationRound { get; set; }
    /// <summary>SHA-256 (hex) of the verdicts the current round asks to approve.</summary>
    public string? VerdictsHash { get; set; }
    public bool CancelRequested { get; set; }
    /// <summary>Waiting in its state for the emergency stop to be lifted; the next operation starts on resume.</summary>
    public bool Held { get; set; }

    /// <summary>Policy's latest verdict on some operation says the requester may not confirm it alone.</summary>
    public bool RequiresSecondPerson() => Verdicts.Any(v => v.RequiresSecondPerson);

    /// <summary>
    /// Audit entries of the transition being handled, written by the saga repository only once the new state is saved,
    /// so a lost optimistic-concurrency race leaves no entry for a transition that did not happen. Never stored.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public List<K8sAgentPlatform.Persistence.AuditRecord> PendingAudit { get; } = [];

    /// <summary>Why the request ended where it did, for people.</summary>
    public string? Outcome { get; set; }
    public List<string> Reasons { get; set; } = [];

    /// <summary>
    /// Whether <paramref name="principal"/> is this request's requester for four-eyes: the verified principal, or the
    /// name a raw-JSON publisher asked for. Compared without regard to case: a near-miss spelling is the same person.
    /// </summary>
    public bool IsRequester(string principal) =>
        string.Equals(principal, Principal, StringComparison.OrdinalIgnoreCase)
        || (OnBehalfOf is { } onBehalfOf && string.Equals(principal, onBehalfOf, StringComparison.OrdinalIgnoreCase));
}
