using System.Text.Json;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Persistence;

namespace K8sAgentPlatform.Orchestrator.Api;

/// <summary>The body of POST /api/requests: exactly one of text and intent.</summary>
public sealed record SubmitBody(string? Text, JsonElement? Intent, bool DryRun = false);

/// <summary>The body of POST /api/requests/{id}/reject.</summary>
public sealed record RejectBody(string? Reason);

/// <summary>The body of POST /api/rollbacks: exactly one of snapshot_id and resource.</summary>
public sealed record RollbackBody(string? SnapshotId, RollbackResource? Resource, string? Reason);

public sealed record RollbackResource(string ResourceType, string? Namespace, string Name);

/// <summary>The answer to an accepted command: the request it concerns and where to follow it.</summary>
public sealed record AcceptedView(Guid Id, string State, string Location);

/// <summary>A manual rollback was accepted as a request (<paramref name="RollbackId"/> is its request id; follow it at <paramref name="Location"/>).</summary>
public sealed record RollbackAcceptedView(Guid RollbackId, string? SnapshotId, ResourceRef? Resource, string State, string Location);

/// <summary>One request, as GET /api/requests/{id} shows it. Secret values are masked.</summary>
public sealed record RequestView
{
    public required Guid Id { get; init; }
    /// <summary>Goes up with every save of the request; GET ?wait=N&amp;version=V answers at once when the request is past V.</summary>
    public int Version { get; init; }
    public required string State { get; init; }
    public required bool Final { get; init; }
    public required string Principal { get; init; }
    /// <summary>For raw JSON: the name the publisher asked for; <see cref="Principal"/> is its broker user.</summary>
    public string? OnBehalfOf { get; init; }
    public required string Source { get; init; }
    public string? Text { get; init; }
    public bool DryRun { get; init; }
    public DateTimeOffset SubmittedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public string? Parser { get; init; }
    public KubernetesIntent? Intent { get; init; }
    public string? ModelRiskLevel { get; init; }
    public IReadOnlyList<OperationValidated> Verdicts { get; init; } = [];
    public IReadOnlyList<OperationExecuted> Results { get; init; } = [];
    public IReadOnlyList<RollbackCompleted> Rollbacks { get; init; } = [];
    public DateTimeOffset? ConfirmationDeadline { get; init; }
    /// <summary>The confirmation round the request waits in (0 before the first); a confirm may name it to be sure it approves what it saw.</summary>
    public int ConfirmationRound { get; init; }
    /// <summary>Policy requires someone other than <see cref="Principal"/> to confirm (four eyes).</summary>
    public bool RequiresSecondPerson { get; init; }
    /// <summary>Who may confirm, e.g. "anyone with the approver role but alice"; null when no confirmation is needed.</summary>
    public string? MayConfirm { get; init; }
    public IReadOnlyList<string> ConfirmedBy { get; init; } = [];
    public string? Outcome { get; init; }
    public IReadOnlyList<string> Reasons { get; init; } = [];
    public IReadOnlyList<SnapshotView> Snapshots { get; init; } = [];
    public IReadOnlyList<AuditEntry> Timeline { get; init; } = [];
    /// <summary>While an operation runs: its rollout as the executor last saw it while verifying; null otherwise.</summary>
    public RolloutProgress? RolloutProgress { get; init; }
}

/// <summary>"desired 3, updated 1, ready 1, available 1" for the operation being verified.</summary>
public sealed record RolloutProgress(int OperationIndex, string Rollout);

/// <summary>One row of GET /api/requests.</summary>
public sealed record RequestSummaryView(
    Guid Id,
    string State,
    bool Final,
    string Principal,
    string? Text,
    string? Summary,
    int OperationCount,
    DateTimeOffset SubmittedAt,
    DateTimeOffset UpdatedAt,
    string? Outcome);

/// <summary>A snapshot without secret values: a Secret's data and stringData keep their keys only.</summary>
public sealed record SnapshotView
{
    public required string Id { get; init; }
    public required Guid RequestId { get; init; }
    public required int OperationIndex { get; init; }
    public required KubernetesOperation Operation { get; init; }
    public required string Kind { get; init; }
    public required string ApiVersion { get; init; }
    public string? Namespace { get; init; }
    public required string Name { get; init; }
    public JsonElement? Object { get; init; }
    public string? ResourceVersion { get; init; }
    public bool Existed { get; init; }
    public DateTimeOffset CapturedAt { get; init; }
    public DateTimeOffset? RestoredAt { get; init; }
    public bool Consumed { get; init; }

    public static SnapshotView Of(SnapshotDocument s, SecretRedactor redactor) => new()
    {
        Id = s.Id,
        RequestId = s.RequestId,
        OperationIndex = s.OperationIndex,
        Operation = redactor.Redact(s.Operation),
        Kind = s.Kind,
        ApiVersion = s.ApiVersion,
        Namespace = s.Namespace,
        Name = s.Name,
        Object = SecretRedactor.RedactObject(s.Kind, s.ObjectJson),
        ResourceVersion = s.ResourceVersion,
        Existed = s.Existed,
        CapturedAt = s.CapturedAt,
        RestoredAt = s.RestoredAt,
        Consumed = s.Consumed,
    };
}
