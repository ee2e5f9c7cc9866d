using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Api;

/// <summary>A label selector, from the query string syntax or a <c>LabelSelector</c> object.</summary>
public sealed partial class LabelSelector(IReadOnlyList<LabelSelector.Requirement> requirements)
{
    public enum Operator
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    public sealed record Requirement(string Key, Operator Op, IReadOnlyList<string> Values)
    {
        public bool Matches(IReadOnlyDictionary<string, string> labels)
        {
            var has = labels.TryGetValue(Key, out var value);
            return Op switch
            {
                Operator.Equals or Operator.In => has && Values.Contains(value!),
                Operator.NotEquals or Operator.NotIn => !has || !Values.Contains(value!),
                Operator.Exists => has,
                Operator.DoesNotExist => !has,
                _ => false,
            };
        }
    }

    public static readonly LabelSelector Everything = new([]);

    [GeneratedRegex(@"^\s*([^\s!=(),]+)\s+(in|notin)\s*\(([^)]*)\)\s*$")]
    private static partial Regex SetTerm();

    [GeneratedRegex(@"^\s*([^\s!=(),]+)\s*(==|!=|=)\s*([^\s!=(),]*)\s*$")]
    private static partial Regex EqualityTerm();

    [GeneratedRegex(@"^\s*(!?)\s*([^\s!=(),]+)\s*$")]
    private static partial Regex ExistsTerm();

    public IReadOnlyList<Requirement> Requirements { get; } = requirements;

    public bool Matches(IReadOnlyDictionary<string, string> labels) => Requirements.All(r => r.Matches(labels));

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var result = new List<Requirement>();
        foreach (var term in SplitTopLevel(text))
        {
            if (SetTerm().Match(term) is { Success: true } set)
            {
                var values = set.Groups[3].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                result.Add(new(set.Groups[1].Value, set.Groups[2].Value == "in" ? Operator.In : Operator.NotIn, values));
            }
            else if (EqualityTerm().Match(term) is { Success: true } eq)
            {
                result.Add(new(eq.Groups[1].Value, eq.Groups[2].Value == "!=" ? Operator.NotEquals : Operator.Equals, [eq.Groups[3].Value]));
            }
            else if (ExistsTerm().Match(term) is { Success: true } exists)
            {
                result.Add(new(exists.Groups[2].Value, exists.Groups[1].Value == "!" ? Operator.DoesNotExist : Operator.Exists, []));
            }
            else
            {
                throw ApiException.BadRequest($"unable to parse requirement: found '{term}', expected a label selector term");
            }
        }
        return new LabelSelector(result);
    }

    /// <summary>A <c>metav1.LabelSelector</c> (matchLabels and matchExpressions).</summary>
    public static LabelSelector FromObject(JsonNode? selector)
    {
        var result = new List<Requirement>();
        foreach (var (key, value) in selector.Labels("matchLabels"))
        {
            result.Add(new(key, Operator.Equals, [value]));
        }
        foreach (var e in selector.Objects("matchExpressions"))
        {
            var values = e.At("values") is JsonArray a ? a.Select(v => v?.ToString() ?? "").ToList() : [];
            var op = e.Str("operator") switch
            {
                "In" => Operator.In,
                "NotIn" => Operator.NotIn,
                "Exists" => Operator.Exists,
                _ => Operator.DoesNotExist,
            };
            result.Add(new(e.Str("key") ?? "", op, values));
        }
        return new LabelSelector(result);
    }

    /// <summary>The query-string form, as Scale status and kubectl print it.</summary>
    public static string Format(JsonNode? selector)
    {
        var parts = new List<string>();
        foreach (var r in FromObject(selector).Requirements)
        {
            parts.Add(r.Op switch
            {
                Operator.Equals => $"{r.Key}={r.Values[0]}",
                Operator.NotEquals => $"{r.Key}!={r.Values[0]}",
                Operator.In => $"{r.Key} in ({string.Join(",", r.Values)})",
                Operator.NotIn => $"{r.Key} notin ({string.Join(",", r.Values)})",
                Operator.Exists => r.Key,
                _ => $"!{r.Key}",
            });
        }
        return string.Join(",", parts);
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }
        yield return text[start..];
    }
}

/// <summary>A field selector: <c>path=value</c>, <c>path==value</c> or <c>path!=value</c> terms over any dotted field.</summary>
public sealed class FieldSelector(IReadOnlyList<(string[] Path, bool Equal, string Value)> terms)
{
    public static readonly FieldSelector Everything = new([]);

    public bool Matches(JsonObject obj) =>
        terms.All(t => (Value(obj, t.Path) == t.Value) == t.Equal);

    public string? ExactName => terms.FirstOrDefault(t => t.Equal && t.Path is ["metadata", "name"]).Value;

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var result = new List<(string[], bool, string)>();
        foreach (var term in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var notEqual = term.IndexOf("!=", StringComparison.Ordinal);
            var equal = term.IndexOf('=');
            if (notEqual > 0)
            {
                result.Add((term[..notEqual].Split('.'), false, term[(notEqual + 2)..]));
            }
            else if (equal > 0)
            {
                var value = term[(equal + 1)..];
                result.Add((term[..equal].Split('.'), true, value.StartsWith('=') ? value[1..] : value));
            }
            else
            {
                throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            }
        }
        return new FieldSelector(result);
    }

    private static string Value(JsonObject obj, string[] path) =>
        obj.At(path) switch
        {
            null => "",
            JsonValue v => v.ToString(),
            var other => other.ToJsonString(),
        };
}
