using System.Text;
using System.Text.RegularExpressions;

namespace K8sAgentPlatform.Remediation.Rules;

/// <summary>
/// A string with <c>{{ $labels.NAME }}</c> placeholders and nothing else: no functions, no pipelines, no
/// conditionals. A template can only fill values in; what the values may contain is decided by the caller.
/// </summary>
public sealed partial class LabelTemplate
{
    private readonly IReadOnlyList<(string? Literal, string? Label)> parts;

    private LabelTemplate(string source, IReadOnlyList<(string?, string?)> parts)
    {
        Source = source;
        this.parts = parts;
    }

    public string Source { get; }

    public IEnumerable<string> Labels => parts.Where(p => p.Label is not null).Select(p => p.Label!);

    public static LabelTemplate? TryParse(string source, out string? problem)
    {
        var parts = new List<(string?, string?)>();
        var at = 0;
        foreach (Match m in Placeholder().Matches(source))
        {
            if (m.Index > at)
            {
                parts.Add((source[at..m.Index], null));
            }

            parts.Add((null, m.Groups[1].Value));
            at = m.Index + m.Length;
        }

        if (at < source.Length)
        {
            parts.Add((source[at..], null));
        }

        var stray = parts.FirstOrDefault(p => p.Item1 is { } literal && (literal.Contains("{{", StringComparison.Ordinal) || literal.Contains("}}", StringComparison.Ordinal)));
        if (stray.Item1 is not null)
        {
            problem = $"only {{{{ $labels.NAME }}}} placeholders are allowed, found '{stray.Item1.Trim()}'";
            return null;
        }

        problem = null;
        return new LabelTemplate(source, parts);
    }

    /// <summary>
    /// The expanded text, or null with the reason when a label is missing or its value fails <paramref name="allowed"/>.
    /// </summary>
    public string? Expand(IReadOnlyDictionary<string, string> labels, Func<string, bool> allowed, string allowedDescription, out string? problem)
    {
        var text = new StringBuilder();
        foreach (var (literal, label) in parts)
        {
            if (literal is not null)
            {
                text.Append(literal);
                continue;
            }

            if (!labels.TryGetValue(label!, out var value) || value.Length == 0)
            {
                problem = $"the alert has no label '{label}'";
                return null;
            }

            if (!allowed(value))
            {
                // The value is not echoed: it is untrusted input and may be long or contain control characters.
                problem = $"the value of label '{label}' is not {allowedDescription}";
                return null;
            }

            text.Append(value);
        }

        problem = null;
        return text.ToString();
    }

    [GeneratedRegex(@"\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
