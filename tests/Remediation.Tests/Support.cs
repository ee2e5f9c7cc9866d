using System.Collections.Concurrent;
using K8sAgentPlatform.Remediation.Alertmanager;
using K8sAgentPlatform.Persistence;

namespace K8sAgentPlatform.Remediation.Tests;

/// <summary>Keeps what was appended, without the hash chain.</summary>
public sealed class RecordingAuditLog : IAuditLog
{
    public ConcurrentQueue<AuditRecord> Records { get; } = new();

    public Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        Records.Enqueue(record);
        return Task.FromResult(new AuditEntry
        {
            Sequence = Records.Count, At = DateTimeOffset.UnixEpoch, Action = record.Action, Principal = record.Principal,
            RequestId = record.RequestId, Detail = record.Detail, Outcome = record.Outcome, PreviousHash = "", Hash = "",
        });
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
}

public static class Alerts
{
    public static Alert Firing(string fingerprint, params (string Name, string Value)[] labels) =>
        new("firing", labels.ToDictionary(l => l.Name, l => l.Value), fingerprint, DateTimeOffset.UnixEpoch, null);

    public static Alert Resolved(string fingerprint, params (string Name, string Value)[] labels) =>
        new("resolved", labels.ToDictionary(l => l.Name, l => l.Value), fingerprint, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(1));

    public static Alert CrashLooping(string fingerprint, string deployment, string ns = "staging") =>
        Firing(fingerprint, ("alertname", "KubeDeploymentCrashLooping"), ("deployment", deployment), ("namespace", ns));

    public static AlertmanagerNotification Notify(params Alert[] alerts) => new("webhook", "http://127.0.0.1:1", alerts);
}
