using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Policies;

namespace K8sAgentPlatform.Policy.Rules;

/// <summary>One operation under evaluation, with the intent it belongs to and the policy in force.</summary>
public sealed record OperationContext(KubernetesIntent Intent, int Index, KubernetesOperation Operation, PolicySettings Settings)
{
    /// <summary>The namespace the operation acts in; for a namespace object, the namespace itself.</summary>
    public string? TargetNamespace => Operation.ResourceType == ResourceType.Namespace ? Operation.ResourceName : Operation.Namespace;

    public bool IsMutating => Operation.OperationType.IsMutating();

    public bool IsProduction => Settings.IsProduction(TargetNamespace);
}

/// <summary>What the rules found about one operation. Rejections carry the rule id so users can look the rule up.</summary>
public sealed class OperationFindings
{
    private readonly List<string> _reasons = [];
    private readonly List<string> _warnings = [];
    private readonly List<string> _confirmationBecause = [];

    public IReadOnlyList<string> Reasons => _reasons;
    public IReadOnlyList<string> Warnings => _warnings;
    public IReadOnlyList<string> ConfirmationBecause => _confirmationBecause;
    public bool RequiresConfirmation => _confirmationBecause.Count > 0;
    public RiskLevel RiskFloor { get; private set; } = RiskLevel.Low;

    public void Reject(string ruleId, string message)
    {
        var reason = $"[{ruleId}] {message}";
        if (!_reasons.Contains(reason))
        {
            _reasons.Add(reason);
        }
    }

    public void Warn(string ruleId, string message)
    {
        var warning = $"[{ruleId}] {message}";
        if (!_warnings.Contains(warning))
        {
            _warnings.Add(warning);
        }
    }

    public void RequireConfirmation(string ruleId, string because)
    {
        var entry = $"[{ruleId}] {because}";
        if (!_confirmationBecause.Contains(entry))
        {
            _confirmationBecause.Add(entry);
        }
    }

    public void RaiseRisk(RiskLevel level)
    {
        if (level > RiskFloor)
        {
            RiskFloor = level;
        }
    }
}

/// <summary>A check that needs no cluster. Its <see cref="Id"/> is stable: it appears in reasons and in the README.</summary>
public interface IStaticRule
{
    string Id { get; }

    void Check(OperationContext context, OperationFindings findings);
}
