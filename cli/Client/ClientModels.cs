using System.Text.Json;
using System.Text.Json.Serialization;

namespace K8sAgentPlatform.Cli.Client;

/// <summary>The answer to an accepted command.</summary>
public sealed record Accepted(Guid Id, string State, string Location);

public sealed record RollbackAccepted(Guid RollbackId, string? SnapshotId, JsonElement? Resource, string State);

/// <summary>A request as the API shows it; <see cref="Raw"/> is the JSON as received (for --json).</summary>
public sealed record RequestDetails
{
    public Guid Id { get; init; }
    /// <summary>Goes up with every save of the request (0 before the orchestrator took it up).</summary>
    public int Version { get; init; }
    public string State { get; init; } = "";
    public bool Final { get; init; }
    public string Principal { get; init; } = "";
    public string? Text { get; init; }
    public bool DryRun { get; init; }
    public string? Parser { get; init; }
    public JsonElement? Intent { get; init; }
    public IReadOnlyList<Verdict> Verdicts { get; init; } = [];
    public IReadOnlyList<OperationResult> Results { get; init; } = [];
    public DateTimeOffset? ConfirmationDeadline { get; init; }
    public int ConfirmationRound { get; init; }
    public bool RequiresSecondPerson { get; init; }
    public string? MayConfirm { get; init; }
    public IReadOnlyList<string> ConfirmedBy { get; init; } = [];
    public string? Outcome { get; init; }
    public RolloutProgress? RolloutProgress { get; init; }
    public IReadOnlyList<string> Reasons { get; init; } = [];
    public IReadOnlyList<SnapshotInfo> Snapshots { get; init; } = [];
    public IReadOnlyList<AuditItem> Timeline { get; init; } = [];

    [JsonIgnore]
    public JsonElement Raw { get; init; }
}

public sealed record Verdict
{
    public int Index { get; init; }
    public bool Approved { get; init; }
    public bool RequiresConfirmation { get; init; }
    public bool RequiresSecondPerson { get; init; }
    public string PolicyRiskLevel { get; init; } = "";
    public IReadOnlyList<string> Reasons { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public DryRunInfo? DryRun { get; init; }
    /// <summary>What the operation changes: the live object against the dry run's result (a Secret's values read "(redacted)").</summary>
    public IReadOnlyList<FieldChangeInfo> Diff { get; init; } = [];
}

public sealed record DryRunInfo(string Status, string? Message);

/// <summary>One changed field; Before/After are the value's JSON text, null when the field is absent on that side.</summary>
public sealed record FieldChangeInfo(string Path, string? Before, string? After);

public sealed record OperationResult
{
    public int Index { get; init; }
    public bool Success { get; init; }
    public string? SnapshotId { get; init; }
    public string? Result { get; init; }
    public string? Error { get; init; }
    public IReadOnlyList<string> Evidence { get; init; } = [];
}

public sealed record RequestSummary(
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

public sealed record SnapshotInfo
{
    public string Id { get; init; } = "";
    public Guid RequestId { get; init; }
    public int OperationIndex { get; init; }
    public string Kind { get; init; } = "";
    public string? Namespace { get; init; }
    public string Name { get; init; } = "";
    public bool Existed { get; init; }
    public DateTimeOffset CapturedAt { get; init; }
    public DateTimeOffset? RestoredAt { get; init; }
    public bool Consumed { get; init; }
}

public sealed record AuditItem
{
    public long Sequence { get; init; }
    public DateTimeOffset At { get; init; }
    public string Action { get; init; } = "";
    public string Principal { get; init; } = "";
    public Guid? RequestId { get; init; }
    public string? Detail { get; init; }
    public string? Outcome { get; init; }
}

public sealed record AuditVerificationInfo(bool Intact, long EntriesChecked, long? FirstBrokenSequence, string? Problem);

/// <summary>Filters of GET /api/snapshots; all optional.</summary>
public sealed record SnapshotFilter(string? Namespace = null, string? ResourceType = null, string? Name = null, Guid? RequestId = null, bool? Consumed = null, int? Limit = null);

/// <summary>GET /api/status: whether the platform is stopped, and how many requests wait for the resume.</summary>
public sealed record PlatformStatus(EmergencyStopDetails EmergencyStop, int HeldRequests);

public sealed record EmergencyStopDetails(bool Stopped, string? By, string? Reason, DateTimeOffset? Since);

/// <summary>While an operation runs: its rollout as the executor last saw it ("desired 3, updated 1, ready 1, available 1").</summary>
public sealed record RolloutProgress(int OperationIndex, string Rollout);
