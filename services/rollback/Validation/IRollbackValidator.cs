using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Persistence;

namespace K8sAgentPlatform.Rollback.Validation;

/// <summary>Policy's answer on restoring a snapshot: a rollback is a change like any other.</summary>
public sealed record RollbackVerdict(bool Approved, IReadOnlyList<string> Reasons)
{
    public static RollbackVerdict Approve() => new(true, []);
}

/// <summary>Re-validates a restore before it runs.</summary>
public interface IRollbackValidator
{
    Task<RollbackVerdict> ValidateAsync(RollbackRequested request, SnapshotDocument snapshot, CancellationToken cancellationToken);
}
