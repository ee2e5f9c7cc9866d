using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Intent.Parsing;

/// <summary>Where the parser's view of the cluster comes from.</summary>
public interface IClusterContextSource
{
    ValueTask<ClusterContext> GetAsync(CancellationToken cancellationToken);
}

/// <summary>Settings of the intent service (section "Intent").</summary>
public sealed class IntentOptions
{
    public const string Section = "Intent";

    /// <summary>Namespaces the parser may name; empty when unknown.</summary>
    public List<string> Namespaces { get; set; } = [];

    /// <summary>Namespaces to treat as production besides those matching the default pattern.</summary>
    public List<string> ProductionNamespaces { get; set; } = [];

    public string? ClusterName { get; set; }
}

/// <summary>The cluster context from configuration.</summary>
public sealed class ConfiguredClusterContext(IOptions<IntentOptions> options) : IClusterContextSource
{
    public ValueTask<ClusterContext> GetAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        return ValueTask.FromResult(new ClusterContext(o.Namespaces, o.ProductionNamespaces, o.ClusterName));
    }
}
