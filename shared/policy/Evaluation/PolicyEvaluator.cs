using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Policy.Kubernetes;
using K8sAgentPlatform.Policy.Policies;
using K8sAgentPlatform.Policy.Rules;

namespace K8sAgentPlatform.Policy.Evaluation;

/// <summary>
/// Evaluates an intent: the static rules for every operation, then, when a cluster is given and the
/// static rules passed, the live checks and the server-side dry run. Deterministic; fails closed: a
/// rule that throws rejects the operation instead of letting it through.
/// </summary>
public sealed class PolicyEvaluator(PolicySettings settings, IClusterReader? cluster = null, IEnumerable<ILiveOperationCheck>? liveOperationChecks = null)
{
    private readonly LiveChecks? _live = cluster is null ? null : new LiveChecks(cluster, liveOperationChecks?.ToArray() ?? []);

    public PolicySettings Settings { get; } = settings;

    /// <summary>Static checks only; no cluster is contacted.</summary>
    public IntentVerdict EvaluateStatic(KubernetesIntent intent) =>
        new(Operations(intent).Select(o => Finish(o.Context, StaticFindings(o.Context, o.IntentErrors), null)).ToArray());

    public async Task<IntentVerdict> EvaluateAsync(KubernetesIntent intent, CancellationToken cancellationToken = default)
    {
        using var activity = PlatformTelemetry.Source.StartActivity("policy evaluate");
        var verdicts = new List<OperationVerdict>();
        foreach (var (context, intentErrors) in Operations(intent))
        {
            var findings = StaticFindings(context, intentErrors);
            LiveChecks.Result? live = null;
            if (_live is not null && findings.Reasons.Count == 0 && context.Operation is not null)
            {
                live = await _live.RunAsync(context, findings, cancellationToken);
            }

            verdicts.Add(Finish(context, findings, live));
        }

        var verdict = new IntentVerdict(verdicts);
        activity?.SetTag("k8s_agent.operation_count", verdicts.Count);
        activity?.SetTag("k8s_agent.approved", verdict.Approved);
        activity?.SetTag("k8s_agent.requires_confirmation", verdict.RequiresConfirmation);
        activity?.SetTag("k8s_agent.rules", string.Join(",", verdicts.SelectMany(v => v.Reasons).Select(RuleIds.Of).Distinct()));
        return verdict;
    }

    private IEnumerable<(OperationContext Context, IReadOnlyList<string> IntentErrors)> Operations(KubernetesIntent intent)
    {
        // Intent-level bounds (summary, operation count...) concern every operation; per-operation ones
        // are reported by the operation's own rules, and the cross-namespace rule by its rule.
        var intentErrors = IntentValidator.Validate(intent)
            .Where(e => !e.Path.StartsWith("operations", StringComparison.Ordinal) || e.Path == "operations" && !e.Message.StartsWith("delete operations", StringComparison.Ordinal))
            .Select(e => e.ToString())
            .ToArray();
        var operations = intent.Operations ?? [];
        for (var i = 0; i < operations.Count; i++)
        {
            yield return (new OperationContext(intent, i, operations[i], Settings), intentErrors);
        }
    }

    private static OperationFindings StaticFindings(OperationContext context, IReadOnlyList<string> intentErrors)
    {
        var findings = new OperationFindings();
        foreach (var error in intentErrors)
        {
            findings.Reject(RuleIds.IntentValid, error);
        }

        if (context.Operation is null)
        {
            findings.Reject(RuleIds.IntentValid, $"operations[{context.Index}] is missing");
            return findings;
        }

        if (!Enum.IsDefined(context.Intent.EstimatedRiskLevel))
        {
            findings.Reject(RuleIds.IntentValid, $"estimated_risk_level {(int)context.Intent.EstimatedRiskLevel} is not a risk level");
        }

        // Rules look these up in tables; a value outside the enum (possible from code, not from JSON) has no entry.
        if (!Enum.IsDefined(context.Operation.OperationType) || !Enum.IsDefined(context.Operation.ResourceType))
        {
            findings.Reject(RuleIds.IntentValid, $"operations[{context.Index}] has an unknown operation_type or resource_type");
            return findings;
        }

        foreach (var rule in StaticRules.All)
        {
            try
            {
                rule.Check(context, findings);
            }
            catch (Exception e)
            {
                findings.Reject(rule.Id, $"the rule could not be evaluated ({e.GetType().Name}: {e.Message}); refusing to be safe");
            }
        }

        return findings;
    }

    // A production pattern that times out on a hostile namespace counts as production: the stricter reading.
    private static bool Safe(Func<bool> isProduction)
    {
        try
        {
            return isProduction();
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            return true;
        }
    }

    private static OperationVerdict Finish(OperationContext context, OperationFindings findings, LiveChecks.Result? live)
    {
        var model = Enum.IsDefined(context.Intent.EstimatedRiskLevel) ? context.Intent.EstimatedRiskLevel : RiskLevel.Critical;
        var op = context.Operation;
        var known = op is not null && Enum.IsDefined(op.OperationType) && Enum.IsDefined(op.ResourceType);
        var risk = RiskAssessor.Max(RiskAssessor.Max(known ? RiskAssessor.Baseline(context) : RiskLevel.Critical, findings.RiskFloor), model);
        if (known && op is not null)
        {
            if (op.RequiresConfirmation)
            {
                findings.RequireConfirmation(RuleIds.ModelConfirmation, "the intent asks for confirmation");
            }

            if (context.IsMutating && Safe(() => context.IsProduction))
            {
                findings.RequireConfirmation(RuleIds.ProductionMutation, $"it changes production namespace '{context.TargetNamespace}'");
            }

            if (risk >= RiskLevel.High)
            {
                findings.RequireConfirmation(RuleIds.RiskConfirmation, $"its risk is {WireNames.Of(risk)}");
            }
        }

        // Unknown operations are critical above, so they need a second person too; read-only ones never do.
        var secondPerson = (op is null || !known || context.IsMutating) && risk >= context.Settings.FourEyesFrom;
        if (secondPerson)
        {
            findings.RequireConfirmation(RuleIds.FourEyes,
                $"its risk {WireNames.Of(risk)} is at or above {WireNames.Of(context.Settings.FourEyesFrom)}: someone other than the requester must confirm");
        }

        return new OperationVerdict
        {
            Index = context.Index,
            Approved = findings.Reasons.Count == 0,
            RequiresConfirmation = findings.RequiresConfirmation,
            RequiresSecondPerson = secondPerson,
            Reasons = findings.Reasons.ToArray(),
            Warnings = findings.Warnings.ToArray(),
            ConfirmationBecause = findings.ConfirmationBecause.ToArray(),
            PolicyRiskLevel = risk,
            ModelRiskLevel = model,
            DryRun = live?.DryRun ?? DryRunOutcome.NotRun,
            Diff = live?.Diff ?? [],
            ResourceVersion = live?.ResourceVersion,
            LiveChecked = live is not null,
        };
    }
}
