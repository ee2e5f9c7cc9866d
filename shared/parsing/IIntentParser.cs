using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Parsing;

/// <summary>Turns a request's text into an intent. Implementations never decide what is safe; policy does.</summary>
public interface IIntentParser
{
    /// <summary>Short name reported with every result: offline, openai, ...</summary>
    string Name { get; }

    Task<IntentParseResult> ParseAsync(string text, ClusterContext context, CancellationToken cancellationToken = default);
}

/// <summary>What the parser may know of the cluster. Kept bounded by <see cref="ClusterContext.Describe"/>.</summary>
public sealed record ClusterContext(IReadOnlyList<string> Namespaces, IReadOnlyList<string> ProductionNamespaces, string? ClusterName = null)
{
    public static readonly ClusterContext Empty = new([], []);

    /// <summary>The brief's production pattern, used when the context names no production namespaces.</summary>
    public static readonly System.Text.RegularExpressions.Regex DefaultProductionPattern =
        new("^(prod|production|live|prd)-?.*$", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// The context as prompt text, at most <paramref name="maxCharacters"/> long however many namespaces the
    /// cluster has: production namespaces first (they matter most), then the others in order, then a count of
    /// what was left out.
    /// </summary>
    public string Describe(int maxCharacters = 4000)
    {
        var builder = new System.Text.StringBuilder();
        if (ClusterName is not null)
        {
            builder.Append("Cluster: ").Append(ClusterName).Append('\n');
        }

        AppendList(builder, "Production namespaces: ", ProductionNamespaces, maxCharacters / 3);
        AppendList(builder, "Available namespaces: ", Namespaces, maxCharacters - builder.Length);
        return builder.ToString();
    }

    private static void AppendList(System.Text.StringBuilder builder, string label, IReadOnlyList<string> names, int budget)
    {
        var start = builder.Length;
        builder.Append(label);
        var shown = 0;
        foreach (var name in names)
        {
            var tail = $" (and {names.Count - shown} more)";
            if (builder.Length - start + name.Length + 2 + tail.Length > budget)
            {
                builder.Append(shown == 0 ? "" : ", ").Append($"... and {names.Count - shown} more");
                break;
            }

            builder.Append(shown == 0 ? "" : ", ").Append(name);
            shown++;
        }

        if (names.Count == 0)
        {
            builder.Append("(none known)");
        }

        builder.Append('\n');
    }

    public bool IsProduction(string? @namespace) =>
        @namespace is not null && (ProductionNamespaces.Contains(@namespace) || DefaultProductionPattern.IsMatch(@namespace));
}

/// <summary>The outcome of parsing: an intent or a typed failure a user can act on.</summary>
public abstract record IntentParseResult(string Parser);

public sealed record IntentParseSucceeded(KubernetesIntent Intent, string Parser) : IntentParseResult(Parser);

public sealed record IntentParseFailed(ParseFailureKind Kind, string Message, IReadOnlyList<string> Details, string Parser)
    : IntentParseResult(Parser)
{
    /// <summary>The stable code carried by IntentParsingFailed.Kind.</summary>
    public string Code => Kind switch
    {
        ParseFailureKind.NotUnderstood => "not_understood",
        ParseFailureKind.InvalidIntent => "invalid_intent",
        ParseFailureKind.Refused => "refused",
        ParseFailureKind.Truncated => "truncated",
        ParseFailureKind.RateLimited => "rate_limited",
        ParseFailureKind.Unavailable => "unavailable",
        ParseFailureKind.Timeout => "timeout",
        ParseFailureKind.NotConfigured => "not_configured",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
    };
}

public enum ParseFailureKind
{
    /// <summary>The text (or part of it) matched no known form.</summary>
    NotUnderstood,
    /// <summary>An intent was produced but breaks a bound.</summary>
    InvalidIntent,
    /// <summary>The model refused.</summary>
    Refused,
    /// <summary>The model's answer was cut off (finish_reason length).</summary>
    Truncated,
    /// <summary>429 after all retries.</summary>
    RateLimited,
    /// <summary>5xx or a connection failure.</summary>
    Unavailable,
    Timeout,
    /// <summary>No model is configured.</summary>
    NotConfigured,
}
