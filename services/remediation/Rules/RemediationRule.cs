using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Remediation.Rules;

/// <summary>
/// Alert labels -> one request. Exactly one of <see cref="Text"/> (plain language, parsed offline and checked to
/// be <see cref="OperationCount"/> operations of <see cref="OperationType"/>) and <see cref="Operation"/> (a typed
/// operation whose fields are templates) is set.
/// </summary>
public sealed record RemediationRule
{
    public required string Name { get; init; }
    public required IReadOnlyList<LabelMatcher> Matchers { get; init; }
    public LabelTemplate? Text { get; init; }
    public OperationType OperationType { get; init; }
    public int OperationCount { get; init; } = 1;
    public OperationTemplate? Operation { get; init; }
    /// <summary>Run without a human when policy does not ask for one; false makes every request wait for confirmation.</summary>
    public bool AutoConfirm { get; init; }
    /// <summary>How long the same rule leaves the same resource alone after a remediation ended.</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Where the rule starts in its file, for messages.</summary>
    public int Line { get; init; }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => Matchers.All(m => m.Matches(labels));
}

/// <summary>A typed operation whose string fields are label templates; the type and the resource type are fixed.</summary>
public sealed record OperationTemplate(
    OperationType OperationType,
    ResourceType ResourceType,
    LabelTemplate ResourceName,
    LabelTemplate? Namespace,
    IReadOnlyDictionary<string, LabelTemplate> Parameters,
    LabelTemplate? Reason);

/// <summary>The loaded rules file: the first rule that matches an alert decides.</summary>
public sealed record RemediationRules(IReadOnlyList<RemediationRule> Rules)
{
    public RemediationRule? Match(IReadOnlyDictionary<string, string> labels) => Rules.FirstOrDefault(r => r.Matches(labels));
}
