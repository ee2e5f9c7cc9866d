using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Persistence;

namespace K8sAgentPlatform.Executor.Execution;

/// <summary>One operation being executed.</summary>
internal sealed class Run(ExecuteOperation command, CancellationToken cancellationToken)
{
    public ExecuteOperation Command { get; } = command;

    public KubernetesOperation Operation => Command.Operation;

    public ResourceType Type => Operation.ResourceType;

    public string? Namespace => Operation.Namespace;

    public string Name => Operation.ResourceName;

    public string Target => Operation?.Target ?? "(no operation)";

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>When the first attempt started (a resumed attempt keeps it).</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>The record of an earlier attempt that started changing the cluster and never finished.</summary>
    public ExecutionRecord? Interrupted { get; init; }

    public string? SnapshotId { get; set; }

    public T Parameters<T>() where T : OperationParameters =>
        Operation.Parameters as T ?? throw new UnusableRequestException($"{WireNames.Of(Operation.OperationType)} needs {typeof(T).Name} parameters");

    /// <summary>Why the operation cannot apply to this resource type, or null when it can.</summary>
    public string? OnlyFor(params ResourceType[] types) =>
        types.Contains(Type)
            ? null
            : $"{WireNames.Of(Operation.OperationType)} applies to {string.Join(", ", types.Select(t => WireNames.Of(t)))}, not to a {WireNames.Of(Type)}";
}

internal sealed record Outcome(bool Success, string? Result, string? Error, IReadOnlyList<string> Evidence)
{
    public static Outcome Ok(string result) => new(true, result, null, []);

    public static Outcome Failed(string error, IReadOnlyList<string>? evidence = null) => new(false, null, error, evidence ?? []);
}

/// <summary>A request whose content cannot be carried out as given (bad manifest, missing parameters).</summary>
internal sealed class UnusableRequestException(string message) : Exception(message);
