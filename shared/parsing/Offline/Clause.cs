using System.Text.RegularExpressions;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>An operation read from one clause, before it is checked as part of an intent.</summary>
internal sealed record DraftOperation(OperationType Operation, ResourceType Resource, string Name, string? Namespace, OperationParameters? Parameters, string Description);

/// <summary>One clause of a request, with the phrases that can stand anywhere in it already taken out.</summary>
internal sealed partial class Clause
{
    private Clause(string original, string rest, string? ns, int? revision, long? sinceSeconds)
    {
        Original = original;
        Rest = rest;
        Namespace = ns;
        Revision = revision;
        SinceSeconds = sinceSeconds;
    }

    public string Original { get; }

    /// <summary>The clause without namespace, revision and duration phrases, and without politeness.</summary>
    public string Rest { get; }

    public string? Namespace { get; }
    public int? Revision { get; }
    public long? SinceSeconds { get; }

    public static Clause Read(string text)
    {
        var rest = $" {text.Trim().TrimEnd('.', '!', '?')} ";
        rest = Politeness().Replace(rest, " ");

        string? ns = null;
        rest = Take(rest, NamespaceFlag(), m => ns = m.Groups["ns"].Value);
        if (ns is null)
        {
            rest = Take(rest, NamespaceWord(), m => ns = m.Groups["ns"].Value);
        }

        int? revision = null;
        rest = Take(rest, RevisionPhrase(), m => revision = Vocabulary.ToInt(Vocabulary.Number(m.Groups["rev"].Value) ?? 0));

        long? since = null;
        rest = Take(rest, SincePhrase(), m =>
            since = Vocabulary.Seconds(m.Groups["n"].Success ? Vocabulary.Number(m.Groups["n"].Value) ?? 1 : 1, m.Groups["unit"].Value));

        if (ns is null)
        {
            rest = Take(rest, TrailingNamespace(), m => ns = m.Groups["ns"].Value);
        }

        return new Clause(text.Trim(), Spaces().Replace(rest, " ").Trim(), ns, revision, since);
    }

    private static string Take(string text, Regex regex, Action<Match> found)
    {
        var match = regex.Match(text);
        if (!match.Success)
        {
            return text;
        }

        found(match);
        return text.Remove(match.Index, match.Length).Insert(match.Index, " ");
    }

    [GeneratedRegex(@"\s(?:please|pls|kindly|can you|could you|would you|i want to|i'd like to|i need to|go ahead and|now)(?=\s)", RegexOptions.IgnoreCase)]
    private static partial Regex Politeness();

    [GeneratedRegex(@"\s(?:-n|--namespace)(?:\s+|=)(?<ns>[^\s]+)(?=\s)")]
    private static partial Regex NamespaceFlag();

    [GeneratedRegex(@"\s(?:in|within|on|from)\s+(?:the\s+)?(?:namespace|ns)\s+(?<ns>[^\s,]+)(?=\s)", RegexOptions.IgnoreCase)]
    private static partial Regex NamespaceWord();

    [GeneratedRegex(@"\s(?:in|within|on|from)\s+(?:the\s+)?(?<ns>[^\s,]+)(?:\s+(?:namespace|ns|environment|env|cluster))?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex TrailingNamespace();

    [GeneratedRegex(@"\s(?:to|back\s+to)\s+(?:the\s+)?(?:revision|rev\.?|version)\s+(?:#|no\.?\s*)?(?<rev>-?\d+|[a-z]+)(?=\s)", RegexOptions.IgnoreCase)]
    private static partial Regex RevisionPhrase();

    [GeneratedRegex(@"\s(?:since|from|over|in|for|during)\s+(?:the\s+)?(?:(?:last|past)\s+(?:(?<n>\d+|twenty|nineteen|eighteen|seventeen|sixteen|fifteen|fourteen|thirteen|twelve|eleven|ten|nine|eight|seven|six|five|four|three|two|one|an|a)\s*)?|(?<n>\d+|twenty|nineteen|eighteen|seventeen|sixteen|fifteen|fourteen|thirteen|twelve|eleven|ten|nine|eight|seven|six|five|four|three|two|one|an|a)\s*)(?<unit>seconds|second|secs|sec|minutes|minute|mins|min|hours|hour|hrs|hr|days|day|s|m|h|d)(?:\s+ago)?(?=\s)", RegexOptions.IgnoreCase)]
    private static partial Regex SincePhrase();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
