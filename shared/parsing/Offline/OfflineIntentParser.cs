using System.Text.RegularExpressions;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Parsing;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>
/// A deterministic parser for what operators actually type: kubectl command lines and common English
/// phrasings, several joined by "and", "then" or ";". It never guesses a resource or a namespace: when a
/// part is not understood it says which part, and shows the closest form it knows.
/// </summary>
public sealed partial class OfflineIntentParser : IIntentParser
{
    public const string ParserName = "offline";

    public string Name => ParserName;

    public Task<IntentParseResult> ParseAsync(string text, ClusterContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Parse(text, context));

    public IntentParseResult Parse(string text, ClusterContext context)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Fail(ParseFailureKind.NotUnderstood, "the request is empty; say what to do, e.g. \"scale deployment api to 3 replicas in staging\"", []);
        }

        var drafts = new List<DraftOperation>();
        var problems = new List<string>();
        var clauses = SplitClauses(text);
        foreach (var part in clauses)
        {
            var reading = ReadClause(Clause.Read(part));
            if (reading.Operation is { } operation)
            {
                drafts.Add(operation);
                continue;
            }

            // "scale api to 3 in dev and frobnicate web": the split only happens before a known verb, so an
            // unknown one hides inside the clause. Pointing at the part not understood beats quoting it all.
            var pieces = AnyAnd().Split(part);
            var readings = pieces.Select(p => (Text: p, Reading: ReadClause(Clause.Read(p)))).ToList();
            if (pieces.Length > 1 && readings.Any(r => r.Reading.Operation is not null))
            {
                problems.AddRange(readings.Where(r => r.Reading.Operation is null).Select(r => $"in \"{r.Text.Trim()}\": {r.Reading.Problem}"));
                continue;
            }

            problems.Add(clauses.Count > 1 ? $"in \"{part.Trim()}\": {reading.Problem}" : reading.Problem!);
        }

        if (problems.Count > 0)
        {
            return Fail(ParseFailureKind.NotUnderstood, problems[0], problems);
        }

        var operations = drafts.Select(d => ToOperation(d, context)).ToList();
        var intent = new KubernetesIntent
        {
            OriginalRequest = text,
            Operations = operations,
            EstimatedRiskLevel = operations.Count == 0 ? RiskLevel.Low : drafts.Max(d => RiskOf(d, context)),
            Summary = Summary(drafts),
        };

        var errors = IntentValidator.Validate(intent);
        return errors.Count > 0
            ? Fail(ParseFailureKind.InvalidIntent, $"the request breaks a bound: {errors[0]}", errors.Select(e => e.ToString()).ToList())
            : new IntentParseSucceeded(intent, ParserName);
    }

    private static Reading ReadClause(Clause clause)
    {
        if (clause.Rest.Length == 0)
        {
            return Reading.Fails($"nothing to do in \"{clause.Original}\"");
        }

        if (KubectlForms.Looks(clause))
        {
            return KubectlForms.Read(clause);
        }

        foreach (var form in EnglishForms.All)
        {
            var match = form.Pattern.Match(clause.Rest);
            if (match.Success)
            {
                return form.Build(match, clause);
            }
        }

        return Reading.Fails($"did not understand \"{clause.Rest}\"; {Closest(clause.Rest)}");
    }

    /// <summary>The example of the form whose verb the text starts with, or a few forms to choose from.</summary>
    private static string Closest(string text)
    {
        var first = text.Split(' ', 2)[0].ToLowerInvariant();
        var byVerb = EnglishForms.All.FirstOrDefault(f => f.Verbs.Split(' ').Contains(first));
        return byVerb is not null
            ? $"the closest form I know is \"{byVerb.Example}\""
            : "forms I know include \"scale deployment NAME to 3 replicas in NAMESPACE\", \"restart deployment NAME in NAMESPACE\", " +
              "\"show the last 50 log lines of pod NAME in NAMESPACE\", \"cordon node NAME\" and kubectl command lines";
    }

    private static KubernetesOperation ToOperation(DraftOperation draft, ClusterContext context)
    {
        var risk = RiskOf(draft, context);
        var where = draft.Namespace is null ? "" : $" in {draft.Namespace}";
        return new KubernetesOperation
        {
            OperationType = draft.Operation,
            ResourceType = draft.Resource,
            ResourceName = draft.Name,
            Namespace = draft.Namespace,
            Parameters = draft.Parameters,
            Reason = Clip($"Operator asked to {draft.Description}{where}.", Bounds.MaxReason),
            RequiresConfirmation = risk >= RiskLevel.Medium,
        };
    }

    /// <summary>The brief's scale: read-only is low; production raises every change; nodes and namespaces are critical.</summary>
    internal static RiskLevel RiskOf(DraftOperation draft, ClusterContext context)
    {
        var production = context.IsProduction(draft.Namespace) || draft.Resource == ResourceType.Namespace && context.IsProduction(draft.Name);
        return draft.Operation switch
        {
            OperationType.GetStatus or OperationType.GetLogs => RiskLevel.Low,
            OperationType.CordonNode or OperationType.UncordonNode or OperationType.DrainNode => RiskLevel.Critical,
            OperationType.Delete when production || draft.Resource == ResourceType.Namespace => RiskLevel.Critical,
            OperationType.Delete => RiskLevel.Medium,
            OperationType.Scale or OperationType.Restart => production ? RiskLevel.Medium : RiskLevel.Low,
            OperationType.UpdateConfig => production ? RiskLevel.High : RiskLevel.Medium,
            _ => production ? RiskLevel.High : RiskLevel.Medium,
        };
    }

    private static string Summary(IReadOnlyList<DraftOperation> drafts)
    {
        var parts = drafts.Select(d => d.Namespace is null ? d.Description : $"{d.Description} in {d.Namespace}");
        var text = string.Join("; then ", parts);
        return Clip(char.ToUpperInvariant(text[0]) + text[1..] + ".", Bounds.MaxSummary);
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>Splits on ";", "&amp;&amp;", "then", and on "and" only where a new command starts after it.</summary>
    private static List<string> SplitClauses(string text) =>
        ClauseBoundary().Split(text).Where(p => !string.IsNullOrWhiteSpace(p)).ToList();

    [GeneratedRegex(@"\s*(?:;|&&|,?\s+(?:and\s+)?then\s+|,?\s+(?:and|also)\s+(?=(?:then\s+)?(?:kubectl|scale|restart|rollout|set|update|change|bump|deploy|delete|remove|show|get|describe|logs?|tail|roll|rollback|undo|revert|cordon|uncordon|drain|check|bounce|redeploy|fetch|print|give|mark|make|how|what)\b))\s*", RegexOptions.IgnoreCase)]
    private static partial Regex ClauseBoundary();

    [GeneratedRegex(@"\s+and\s+", RegexOptions.IgnoreCase)]
    private static partial Regex AnyAnd();

    private static IntentParseFailed Fail(ParseFailureKind kind, string message, IReadOnlyList<string> details) =>
        new(kind, message, details, ParserName);
}
