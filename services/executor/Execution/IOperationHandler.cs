using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Executor.Execution;

/// <summary>
/// Carries out one operation type. A change goes through <see cref="ChangeRunner"/> (snapshot, resourceVersion
/// precondition, apply, verify); a read-only operation reads and returns. Failures come back as an outcome with
/// the reason and the evidence, never as "not supported".
/// </summary>
internal interface IOperationHandler
{
    OperationType Type { get; }

    Task<Outcome> ExecuteAsync(Run run);
}
