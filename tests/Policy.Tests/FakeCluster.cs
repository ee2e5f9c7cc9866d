using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Kubernetes;

namespace K8sAgentPlatform.Policy.Tests;

/// <summary>An in-memory cluster: objects by "type/ns/name", pods per node, PDBs per namespace, a scripted dry run.</summary>
internal sealed class FakeCluster : IClusterReader
{
    public Dictionary<string, LiveObject> Objects { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, List<LivePod>> PodsByNode { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, List<LiveDisruptionBudget>> Budgets { get; } = new(StringComparer.Ordinal);
    public Func<KubernetesOperation, DryRunOutcome> DryRun { get; set; } = _ => new DryRunOutcome(DryRunStatus.Passed);
    public Exception? FailWith { get; set; }
    public List<string> Calls { get; } = [];

    public FakeCluster With(ResourceType type, string? ns, string name, LiveObject obj)
    {
        Objects[Key(type, ns, name)] = obj;
        return this;
    }

    public static FakeCluster WithWeb(int? replicas = 2, params string[] containers) => new FakeCluster().With(ResourceType.Deployment, "staging", "web",
        new LiveObject { ResourceVersion = "42", Replicas = replicas, Containers = containers.Length == 0 ? ["web"] : containers });

    public Task<LiveObject?> GetAsync(ResourceType type, string? ns, string name, CancellationToken cancellationToken)
    {
        Calls.Add($"get {Key(type, ns, name)}");
        if (FailWith is not null)
        {
            throw FailWith;
        }

        return Task.FromResult(Objects.GetValueOrDefault(Key(type, ns, name)));
    }

    public Task<IReadOnlyList<LivePod>> ListPodsOnNodeAsync(string node, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LivePod>>(PodsByNode.GetValueOrDefault(node) ?? []);

    public Task<IReadOnlyList<LiveDisruptionBudget>> ListDisruptionBudgetsAsync(string ns, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LiveDisruptionBudget>>(Budgets.GetValueOrDefault(ns) ?? []);

    public Task<DryRunResult> DryRunAsync(KubernetesOperation operation, CancellationToken cancellationToken)
    {
        Calls.Add($"dry-run {WireNames.Of(operation.OperationType)}");
        return Task.FromResult<DryRunResult>(DryRun(operation));
    }

    private static string Key(ResourceType type, string? ns, string name) => $"{WireNames.Of(type)}/{ns}/{name}";
}
