using System.Collections.Concurrent;
using System.Text.Json;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Persistence;
using MassTransit;

namespace K8sAgentPlatform.TestSupport;

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
    /// <summary>The diff policy's dry run reports per name; change it to simulate a change that is no longer the one confirmed.</summary>
    public ConcurrentDictionary<string, IReadOnlyList<FieldChange>> Diffs { get; } = new();
    /// <summary>Names whose execution applies but then fails verification.</summary>
    public HashSet<string> FailVerification { get; } = [];
    public ConcurrentQueue<string> Log { get; } = new();

    /// <summary>Names policy first asks confirmation for at medium risk (anyone with the approver role may confirm).</summary>
    public HashSet<string> ConfirmAtMediumRisk { get; } = [];
    /// <summary>Names whose re-validation right before execution says high risk: a second person is now required.</summary>
    public HashSet<string> SecondPersonOnRevalidation { get; } = [];

    /// <summary>"service/name" pairs (policy, executor, rollback) whose consumer throws for good on that resource, as a broken service would.</summary>
    public HashSet<string> Throws { get; } = [];

    /// <summary>"service/name" pairs whose consumer takes the message and never answers, as a stuck service would.</summary>
    public HashSet<string> Silent { get; } = [];

    /// <summary>The value a scripted Secret holds before a change.</summary>
    public const string OldSecret = "b2xkLXNlY3JldC12YWx1ZQ==";

    internal bool IsSilent(string service, string name) => Silent.Contains($"{service}/{name}");

    internal void ThrowIfScripted(string service, IEnumerable<string> names)
    {
        if (names.FirstOrDefault(n => Throws.Contains($"{service}/{n}")) is { } name)
        {
            throw new InvalidOperationException($"scripted {service} failure on {name}");
        }
    }
}

public static class ScriptedServicesRegistration
{
    /// <summary>The scripted policy, executor and rollback on the queues the real services own, so the saga's commands reach them.</summary>
    public static IBusRegistrationConfigurator AddScriptedServices(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ScriptedPolicy>().Endpoint(PlatformBus.CommandQueue(Endpoints.Policy));
        bus.AddConsumer<ScriptedExecutor>().Endpoint(PlatformBus.CommandQueue(Endpoints.Executor));
        bus.AddConsumer<ScriptedRollback>().Endpoint(PlatformBus.CommandQueue(Endpoints.Rollback));
        return bus;
    }
}

public sealed class ScriptedPolicy(Script script) : IConsumer<ValidateOperations>, IConsumer<RevalidateOperation>
{
    public async Task Consume(ConsumeContext<ValidateOperations> context)
    {
        var intent = context.Message.Intent;
        script.ThrowIfScripted("policy", intent.Operations.Select(o => o.ResourceName));
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
        var confirmAtMedium = script.ConfirmAtMediumRisk.Contains(op.ResourceName);
        if (confirmAtMedium)
        {
            risk = preExecution && script.SecondPersonOnRevalidation.Contains(op.ResourceName) ? RiskLevel.High : RiskLevel.Medium;
        }

        return new OperationValidated
        {
            RequestId = id,
            Index = index,
            Count = count,
            Approved = !script.Rejected.Contains(op.ResourceName),
            Reasons = script.Rejected.Contains(op.ResourceName) ? [$"{op.ResourceName} is forbidden by the test policy"] : [],
            RequiresConfirmation = op.OperationType.IsMutating() && (production || confirmAtMedium || risk == RiskLevel.Critical),
            // Policy's default: a second person from high risk on.
            RequiresSecondPerson = op.OperationType.IsMutating() && (risk > modelRisk ? risk : modelRisk) >= RiskLevel.High,
            PolicyRiskLevel = risk > modelRisk ? risk : modelRisk,
            ModelRiskLevel = modelRisk,
            ResourceVersion = script.ResourceVersions.GetOrAdd(op.ResourceName, "100"),
            Diff = script.Diffs.TryGetValue(op.ResourceName, out var diff) ? diff : [],
            PreExecution = preExecution,
        };
    }
}

public sealed class ScriptedExecutor(Script script, ISnapshotStore? snapshots = null) : IConsumer<ExecuteOperation>
{
    public async Task Consume(ConsumeContext<ExecuteOperation> context)
    {
        var m = context.Message;
        script.Log.Enqueue($"execute {m.Index} {m.Operation.ResourceName} rv={m.ExpectedResourceVersion}");
        var mutating = m.Operation.OperationType.IsMutating();
        var fails = script.FailVerification.Contains(m.Operation.ResourceName);
        string? snapshotId = null;
        script.ThrowIfScripted("executor", [m.Operation.ResourceName]);
        if (script.IsSilent("executor", m.Operation.ResourceName))
        {
            return;
        }

        if (mutating && snapshots is null)
        {
            snapshotId = $"snap-{m.Index}-{m.Operation.ResourceName}";
        }
        else if (mutating)
        {
            var (kind, apiVersion) = Kinds.Of(m.Operation.ResourceType);
            // A Secret's snapshot holds its values, as the real executor's does; the API must never show them.
            var name = m.Operation.ResourceName;
            var manifest = m.Operation.OperationType == OperationType.ApplyManifest;
            if (manifest)
            {
                // A multi-document manifest's snapshot, as the real executor writes it: a Secret's old data among its items.
                (kind, apiVersion) = ("ManifestObjects", "k8s-agent.io/v1");
            }

            var objectJson = manifest
                ? JsonSerializer.Serialize(new
                {
                    apiVersion,
                    kind,
                    items = new object[]
                    {
                        new { existed = true, @object = new { apiVersion = "v1", kind = "ConfigMap", metadata = new { name }, data = new { a = "b" } } },
                        new { existed = true, @object = new { apiVersion = "v1", kind = "Secret", metadata = new { name = "db-credentials" }, data = new { password = Script.OldSecret } } },
                    },
                })
                : kind == "Secret"
                ? JsonSerializer.Serialize(new
                {
                    kind,
                    metadata = new Dictionary<string, object>
                    {
                        ["name"] = name,
                        ["annotations"] = new Dictionary<string, string>
                        {
                            ["kubectl.kubernetes.io/last-applied-configuration"] = JsonSerializer.Serialize(new { data = new { password = Script.OldSecret } }),
                        },
                    },
                    data = new { password = Script.OldSecret },
                })
                : JsonSerializer.Serialize(new { kind, metadata = new { name }, spec = new { replicas = 1 } });
            var saved = await snapshots!.SaveAsync(new SnapshotDocument
            {
                Id = $"snap-{m.Index}-{m.Operation.ResourceName}-{m.RequestId:N}"[..40],
                RequestId = m.RequestId,
                OperationIndex = m.Index,
                Operation = m.Operation,
                Kind = kind,
                ApiVersion = apiVersion,
                Namespace = m.Operation.Namespace,
                Name = m.Operation.ResourceName,
                ObjectJson = objectJson,
                ResourceVersion = m.ExpectedResourceVersion,
                CapturedAt = DateTimeOffset.UtcNow,
            });
            snapshotId = saved.Id;
        }

        await context.Publish(new OperationExecuted
        {
            RequestId = m.RequestId,
            Index = m.Index,
            Success = !fails,
            SnapshotId = snapshotId,
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
        script.ThrowIfScripted("rollback", [context.Message.SnapshotId ?? ""]);
        return context.Publish(new RollbackCompleted
        {
            RequestId = context.Message.RequestId,
            SnapshotId = context.Message.SnapshotId ?? "by-resource",
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
            IReadOnlyList<AuditEntry> found = entries
                .Where(e => query.RequestId is null || e.RequestId == query.RequestId)
                .Where(e => query.Principal is null || e.Principal == query.Principal)
                .Where(e => e.Sequence > query.AfterSequence)
                .Take(query.Limit)
                .ToList();
            return Task.FromResult(found);
        }
    }

    public Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default)
    {
        lock (entries)
        {
            return Task.FromResult(new AuditVerification(true, entries.Count, null, null));
        }
    }
}

/// <summary>Snapshots in memory, enough for the API's reads.</summary>
public sealed class MemorySnapshotStore : ISnapshotStore
{
    private readonly ConcurrentDictionary<string, SnapshotDocument> snapshots = new();

    public Task<SnapshotDocument> SaveAsync(SnapshotDocument snapshot, CancellationToken cancellationToken = default)
    {
        var existing = snapshots.Values.FirstOrDefault(s => s.RequestId == snapshot.RequestId && s.OperationIndex == snapshot.OperationIndex);
        return Task.FromResult(existing ?? snapshots.GetOrAdd(snapshot.Id, snapshot));
    }

    public Task<SnapshotDocument?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(snapshots.GetValueOrDefault(id));

    public Task<SnapshotDocument?> FindForOperationAsync(Guid requestId, int operationIndex, CancellationToken cancellationToken = default) =>
        Task.FromResult(snapshots.Values.FirstOrDefault(s => s.RequestId == requestId && s.OperationIndex == operationIndex));

    public Task<SnapshotDocument?> LatestUnconsumedAsync(string kind, string? @namespace, string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(snapshots.Values.Where(s => s.Kind == kind && s.Namespace == @namespace && s.Name == name && !s.Consumed)
            .OrderByDescending(s => s.CapturedAt).FirstOrDefault());

    public Task<IReadOnlyList<SnapshotDocument>> ListAsync(SnapshotQuery query, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<SnapshotDocument> found = snapshots.Values
            .Where(s => query.Namespace is null || s.Namespace == query.Namespace)
            .Where(s => query.Kind is null || s.Kind == query.Kind)
            .Where(s => query.Name is null || s.Name == query.Name)
            .Where(s => query.RequestId is null || s.RequestId == query.RequestId)
            .Where(s => query.Consumed is null || s.Consumed == query.Consumed)
            .OrderByDescending(s => s.CapturedAt)
            .Take(query.Limit)
            .ToList();
        return Task.FromResult(found);
    }

    public Task<bool> RecordAfterAsync(string id, string afterJson, CancellationToken cancellationToken = default)
    {
        while (snapshots.TryGetValue(id, out var current))
        {
            if (snapshots.TryUpdate(id, current with { AfterJson = afterJson }, current))
            {
                return Task.FromResult(true);
            }
        }

        return Task.FromResult(false);
    }

    public Task<bool> MarkConsumedAsync(string id, DateTimeOffset restoredAt, CancellationToken cancellationToken = default)
    {
        while (snapshots.TryGetValue(id, out var current) && !current.Consumed)
        {
            if (snapshots.TryUpdate(id, current with { Consumed = true, RestoredAt = restoredAt }, current))
            {
                return Task.FromResult(true);
            }
        }

        return Task.FromResult(false);
    }

    public Task<long> CountUnconsumedAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult((long)snapshots.Values.Count(s => !s.Consumed));
}
