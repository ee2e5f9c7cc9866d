using System.Security.Cryptography;
using System.Text;
using k8s.Autorest;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Persistence;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Executor.Execution;

/// <summary>
/// Carries out one operation: checks the command, hands it to the handler of its operation type (a change runs
/// through <see cref="ChangeRunner"/>: snapshot, precondition, apply, verify; a read returns what it read), and
/// turns the outcome, or the Kubernetes API's refusal, into <see cref="OperationExecuted"/>. Every operation
/// type has exactly one handler (checked when the executor is built); failures come back as an outcome with the
/// reason and the evidence, never as "not supported".
/// </summary>
public sealed class OperationExecutor
{
    private readonly IReadOnlyDictionary<OperationType, IOperationHandler> handlers;
    private readonly TimeProvider time;
    private readonly ILogger<OperationExecutor> logger;

    internal OperationExecutor(IEnumerable<IOperationHandler> handlers, TimeProvider time, ILogger<OperationExecutor> logger)
    {
        this.handlers = ByType(handlers);
        this.time = time;
        this.logger = logger;
    }

    public Task<OperationExecuted> ExecuteAsync(ExecuteOperation command, CancellationToken cancellationToken) =>
        ExecuteAsync(command, interrupted: null, cancellationToken);

    /// <summary>
    /// Executes the operation; <paramref name="interrupted"/> is the record of an earlier attempt that started
    /// changing the cluster and never finished (the executor stopped), which this attempt resumes.
    /// </summary>
    public async Task<OperationExecuted> ExecuteAsync(ExecuteOperation command, ExecutionRecord? interrupted, CancellationToken cancellationToken)
    {
        var started = interrupted?.StartedAt ?? time.GetUtcNow();
        var run = new Run(command, cancellationToken) { StartedAt = started, Interrupted = command.DryRun ? null : interrupted };
        using var activity = PlatformTelemetry.Source.StartActivity("executor execute");
        activity?.SetTag("k8s_agent.operation_index", command.Index);
        activity?.SetTag("k8s_agent.operation_type", command.Operation is { } op && Enum.IsDefined(op.OperationType) ? WireNames.Of(op.OperationType) : null);
        activity?.SetTag("k8s_agent.namespace", command.Operation?.Namespace);
        activity?.SetTag("k8s_agent.dry_run", command.DryRun);
        Outcome outcome;
        try
        {
            outcome = Invalid(command.Operation) is { } invalid
                ? Outcome.Failed(invalid)
                : await DispatchAsync(run);
        }
        catch (HttpOperationException e)
        {
            outcome = Outcome.Failed($"{run.Target}: the Kubernetes API answered HTTP {(int)e.Response.StatusCode}: {ApiErrors.Message(e)}");
        }
        catch (HttpRequestException e)
        {
            outcome = Outcome.Failed($"{run.Target}: the Kubernetes API could not be reached: {e.Message}");
        }
        catch (UnusableRequestException e)
        {
            outcome = Outcome.Failed(e.Message);
        }

        activity?.SetTag("k8s_agent.success", outcome.Success);
        if (!outcome.Success)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "operation failed");
        }

        if (outcome.Success)
        {
            logger.LogInformation("Operation {Index} of request {RequestId} ({Operation} {Target}) succeeded", command.Index, command.RequestId, run.Type, run.Target);
        }
        else
        {
            logger.LogWarning("Operation {Index} of request {RequestId} ({Operation} {Target}) failed: {Error}", command.Index, command.RequestId, run.Type, run.Target, outcome.Error);
        }

        return new OperationExecuted
        {
            RequestId = command.RequestId,
            Index = command.Index,
            Success = outcome.Success,
            SnapshotId = run.SnapshotId,
            Result = outcome.Result,
            Error = outcome.Error,
            Evidence = outcome.Evidence,
            StartedAt = run.StartedAt,
            FinishedAt = time.GetUtcNow(),
        };
    }

    private Task<Outcome> DispatchAsync(Run run) =>
        handlers.TryGetValue(run.Operation.OperationType, out var handler)
            ? handler.ExecuteAsync(run)
            : throw new ArgumentOutOfRangeException(nameof(run), run.Operation.OperationType, "unknown operation type");

    /// <summary>One handler per defined operation type: a missing or a second one is a wiring error, found at start.</summary>
    private static Dictionary<OperationType, IOperationHandler> ByType(IEnumerable<IOperationHandler> handlers)
    {
        var byType = new Dictionary<OperationType, IOperationHandler>();
        foreach (var handler in handlers)
        {
            if (!byType.TryAdd(handler.Type, handler))
            {
                throw new InvalidOperationException($"two handlers for {WireNames.Of(handler.Type)}: {byType[handler.Type].GetType().Name} and {handler.GetType().Name}");
            }
        }

        var missing = Enum.GetValues<OperationType>().Where(t => !byType.ContainsKey(t)).ToArray();
        return missing.Length == 0
            ? byType
            : throw new InvalidOperationException($"no handler for {string.Join(", ", missing.Select(t => WireNames.Of(t)))}");
    }

    /// <summary>Messages may come from any publisher: names end up in API paths, so they are checked again here.</summary>
    private static string? Invalid(KubernetesOperation? op)
    {
        if (op is null)
        {
            return "the command carries no operation";
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(op.ResourceName ?? "", Bounds.DnsSubdomainPattern) || op.ResourceName!.Length > Bounds.MaxResourceName)
        {
            return $"resource name '{op.ResourceName}' is not a DNS-1123 subdomain";
        }

        if (op.ResourceType.IsClusterScoped() != (op.Namespace is null))
        {
            return op.Namespace is null ? $"a {WireNames.Of(op.ResourceType)} needs a namespace" : $"a {WireNames.Of(op.ResourceType)} has no namespace";
        }

        if (op.Namespace is { } ns && (!System.Text.RegularExpressions.Regex.IsMatch(ns, Bounds.DnsLabelPattern) || ns.Length > Bounds.MaxNamespace))
        {
            return $"namespace '{ns}' is not a DNS-1123 label";
        }

        return null;
    }

    /// <summary>"snap-" and 16 hex characters derived from the request and index: the same on every redelivery.</summary>
    public static string SnapshotId(Guid requestId, int index) =>
        "snap-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{requestId:N}/{index}")))[..16];
}
