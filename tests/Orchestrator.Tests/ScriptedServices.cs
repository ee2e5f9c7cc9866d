using System.Collections.Concurrent;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Persistence;
using MassTransit;

namespace K8sAgentPlatform.Orchestrator.Tests;

/// <summary>
/// Stand-ins for the policy, executor and rollback services whose answers a test scripts by resource name,
/// so each saga path can be driven on purpose. The real services have their own tests.
/// </summary>
public sealed class Script
{
    /// <summary>Names policy rejects.</summary>
    public HashSet<string> Rejected { get; } = [];
    /// <summary>resourceVersion policy reports per name; change it to simulate someone else's edit.</summary>
    public ConcurrentDictionary<string, string> ResourceVersions { get; } = new();
    /// <summary>Names whose execution applies but then fails verification.</summary>
    public HashSet<string> FailVerification { get; } = [];
    public ConcurrentQueue<string> Log { get; } = new();
}

public sealed class ScriptedPolicy(Script script) : IConsumer<IntentParsed>, IConsumer<RevalidateOperation>
{
    public async Task Consume(ConsumeContext<IntentParsed> context)
    {
        var intent = context.Message.Intent;
        for (var i = 0; i < intent.Operations.Count; i++)
        {
            await context.Publish(Verdict(context.Message.RequestId, i, intent.Operations.Count, intent.Operations[i], intent.EstimatedRiskLevel, false));
        }
    }

    public Task Consume(ConsumeContext<RevalidateOperation> context)
    {
        var m = context.Message;
        script.Log.Enqueue($"revalidate {m.Index}");
        return context.Publish(Verdict(m.RequestId, m.Index, m.Count, m.Operation, m.ModelRiskLevel, true));
    }

    private OperationValidated Verdict(Guid id, int index, int count, KubernetesOperation op, RiskLevel modelRisk, bool preExecution)
    {
        var production = op.Namespace == "production";
        var risk = op.OperationType.IsNodeOperation() ? RiskLevel.Critical : production ? RiskLevel.High : RiskLevel.Low;
        return new OperationValidated
        {
            RequestId = id,
            Index = index,
            Count = count,
            Approved = !script.Rejected.Contains(op.ResourceName),
            Reasons = script.Rejected.Contains(op.ResourceName) ? [$"{op.ResourceName} is forbidden by the test policy"] : [],
            RequiresConfirmation = op.OperationType.IsMutating() && (production || risk == RiskLevel.Critical),
            PolicyRiskLevel = risk > modelRisk ? risk : modelRisk,
            ModelRiskLevel = modelRisk,
            ResourceVersion = script.ResourceVersions.GetOrAdd(op.ResourceName, "100"),
            PreExecution = preExecution,
        };
    }
}

public sealed class ScriptedExecutor(Script script) : IConsumer<ExecuteOperation>
{
    public Task Consume(ConsumeContext<ExecuteOperation> context)
    {
        var m = context.Message;
        script.Log.Enqueue($"execute {m.Index} {m.Operation.ResourceName} rv={m.ExpectedResourceVersion}");
        var mutating = m.Operation.OperationType.IsMutating();
        var fails = script.FailVerification.Contains(m.Operation.ResourceName);
        return context.Publish(new OperationExecuted
        {
            RequestId = m.RequestId,
            Index = m.Index,
            Success = !fails,
            SnapshotId = mutating ? $"snap-{m.Index}-{m.Operation.ResourceName}" : null,
            Result = fails ? null : "done",
            Error = fails ? "pods never became ready" : null,
            Evidence = fails ? ["pod web-1: ImagePullBackOff"] : [],
        });
    }
}

public sealed class ScriptedRollback(Script script) : IConsumer<RollbackRequested>
{
    public Task Consume(ConsumeContext<RollbackRequested> context)
    {
        script.Log.Enqueue($"rollback {context.Message.OperationIndex} {context.Message.SnapshotId}");
        return context.Publish(new RollbackCompleted
        {
            RequestId = context.Message.RequestId,
            SnapshotId = context.Message.SnapshotId!,
            OperationIndex = context.Message.OperationIndex,
            Message = "restored",
        });
    }
}

/// <summary>An audit log in memory with the same chaining rule as the real ones (enough for saga tests).</summary>
public sealed class MemoryAuditLog : IAuditLog
{
    private readonly List<AuditEntry> entries = [];

    public Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        lock (entries)
        {
            var entry = new AuditEntry
            {
                Sequence = entries.Count + 1,
                At = DateTimeOffset.UtcNow,
                Action = record.Action,
                Principal = record.Principal,
                RequestId = record.RequestId,
                Detail = record.Detail,
                Outcome = record.Outcome,
                PreviousHash = entries.Count == 0 ? new string('0', 64) : entries[^1].Hash,
                Hash = Guid.NewGuid().ToString("N"),
            };
            entries.Add(entry);
            return Task.FromResult(entry);
        }
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        lock (entries)
        {
            IReadOnlyList<AuditEntry> found = entries.Where(e => query.RequestId is null || e.RequestId == query.RequestId).ToList();
            return Task.FromResult(found);
        }
    }

    public Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new AuditVerification(true, entries.Count, null, null));
}
