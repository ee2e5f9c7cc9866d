using System.Text.RegularExpressions;

namespace K8sAgentPlatform.Remediation.Rules;

public enum MatchOperator
{
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

/// <summary>
/// One label matcher with Alertmanager's semantics: <c>=</c>, <c>!=</c>, <c>=~</c>, <c>!~</c>; regular expressions
/// are anchored at both ends, and a missing label reads as the empty string.
/// </summary>
public sealed partial class LabelMatcher
{
    private static readonly TimeSpan RegexBudget = TimeSpan.FromMilliseconds(100);
    private readonly Regex? regex;

    private LabelMatcher(string name, MatchOperator op, string value, Regex? regex)
    {
        Name = name;
        Operator = op;
        Value = value;
        this.regex = regex;
    }

    public string Name { get; }
    public MatchOperator Operator { get; }
    public string Value { get; }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var actual = labels.TryGetValue(Name, out var v) ? v : "";
        return Operator switch
        {
            MatchOperator.Equal => string.Equals(actual, Value, StringComparison.Ordinal),
            MatchOperator.NotEqual => !string.Equals(actual, Value, StringComparison.Ordinal),
            MatchOperator.Regex => IsMatch(actual),
            _ => !IsMatch(actual),
        };
    }

    // A pathological pattern must not stall the webhook; a timeout counts as "no match" for =~ and as a match for !~,
    // so the rule does not fire on what it could not check.
    private bool IsMatch(string actual)
    {
        try
        {
            return regex!.IsMatch(actual);
        }
        catch (RegexMatchTimeoutException)
        {
            return Operator == MatchOperator.NotRegex;
        }
    }

    /// <summary>Reads <c>name="value"</c>, <c>name!~"regex"</c>, ... (the value may be unquoted); null with a reason otherwise.</summary>
    public static LabelMatcher? TryParse(string text, out string? problem)
    {
        var m = Syntax().Match(text.Trim());
        if (!m.Success)
        {
            problem = $"'{text}' is not a label matcher (name=\"value\", name!=\"value\", name=~\"regex\" or name!~\"regex\")";
            return null;
        }

        var op = m.Groups["op"].Value switch
        {
            "=" => MatchOperator.Equal,
            "!=" => MatchOperator.NotEqual,
            "=~" => MatchOperator.Regex,
            _ => MatchOperator.NotRegex,
        };
        var value = m.Groups["quoted"].Success ? Unescape(m.Groups["quoted"].Value) : m.Groups["bare"].Value;
        Regex? regex = null;
        if (op is MatchOperator.Regex or MatchOperator.NotRegex)
        {
            try
            {
                regex = new Regex($"^(?:{value})$", RegexOptions.CultureInvariant, RegexBudget);
            }
            catch (ArgumentException e)
            {
                problem = $"'{value}' is not a valid regular expression: {e.Message}";
                return null;
            }
        }

        problem = null;
        return new LabelMatcher(m.Groups["name"].Value, op, value, regex);
    }

    public override string ToString() => $"{Name}{Operator switch
    {
        MatchOperator.Equal => "=",
        MatchOperator.NotEqual => "!=",
        MatchOperator.Regex => "=~",
        _ => "!~",
    }}\"{Value}\"";

    private static string Unescape(string quoted) => quoted.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    [GeneratedRegex("""^(?<name>[a-zA-Z_][a-zA-Z0-9_]*)\s*(?<op>=~|!~|!=|=)\s*(?:"(?<quoted>(?:[^"\\]|\\.)*)"|(?<bare>[^"\s]*))$""", RegexOptions.CultureInvariant)]
    private static partial Regex Syntax();
}
