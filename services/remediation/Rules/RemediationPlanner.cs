using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Parsing.Offline;
using K8sAgentPlatform.Parsing;
using K8sAgentPlatform.Remediation.Alertmanager;

namespace K8sAgentPlatform.Remediation.Rules;

/// <summary>What a rule makes of one alert: the checked intent to submit and the resources it acts on.</summary>
public sealed record RemediationPlan(KubernetesIntent Intent, string Resource);

/// <summary>
/// Turns a matched rule and an alert's labels into an intent. Labels can only fill values: in a text template each
/// value must be a DNS-1123 name (no spaces, so no " and ", ";", newlines or "then delete ..."), the text is parsed
/// offline (never by a model) and must give exactly the rule's operations; a typed operation's fields go through the
/// intent model's strict reader. The rule, not the parser's guess, sets the request's own confirmation flag: without
/// auto_confirm every operation asks for a human; with it policy alone decides (and may still ask for one).
/// </summary>
public static partial class RemediationPlanner
{
    private static readonly OfflineIntentParser Parser = new();

    public static RemediationPlan? TryPlan(RemediationRule rule, Alert alert, out string? problem)
    {
        var intent = rule.Text is { } text ? FromText(rule, text, alert, out problem) : FromOperation(rule, rule.Operation!, alert, out problem);
        if (intent is null)
        {
            return null;
        }

        intent = intent with
        {
            Operations = intent.Operations.Select(o => o with { RequiresConfirmation = !rule.AutoConfirm }).ToList(),
        };
        var errors = IntentValidator.Validate(intent);
        if (errors.Count > 0)
        {
            problem = "the request breaks the intent model: " + string.Join("; ", errors);
            return null;
        }

        return new RemediationPlan(intent, string.Join(", ", intent.Operations.Select(o => o.Target)));
    }

    private static KubernetesIntent? FromText(RemediationRule rule, LabelTemplate template, Alert alert, out string? problem)
    {
        var text = template.Expand(alert.Labels, IsDnsName, "a DNS-1123 name (lowercase letters, digits, '-' and '.')", out problem);
        if (text is null)
        {
            return null;
        }

        if (Parser.Parse(text, ClusterContext.Empty) is not IntentParseSucceeded parsed)
        {
            problem = "the expanded text is not understood by the offline parser";
            return null;
        }

        var operations = parsed.Intent.Operations;
        if (operations.Count != rule.OperationCount || operations.Any(o => o.OperationType != rule.OperationType))
        {
            problem = $"the expanded text gives {operations.Count} operation(s) ({string.Join(", ", operations.Select(o => WireNames.Of(o.OperationType)))}), " +
                $"the rule allows exactly {rule.OperationCount} {WireNames.Of(rule.OperationType)}";
            return null;
        }

        return parsed.Intent;
    }

    private static KubernetesIntent? FromOperation(RemediationRule rule, OperationTemplate template, Alert alert, out string? problem)
    {
        string? Fill(LabelTemplate t, out string? why) => t.Expand(alert.Labels, IsLabelValue, "a label value (letters, digits, '-', '_' and '.')", out why);

        if (Fill(template.ResourceName, out problem) is not { } name)
        {
            return null;
        }

        string? ns = null;
        if (template.Namespace is not null && (ns = Fill(template.Namespace, out problem)) is null)
        {
            return null;
        }

        var reason = template.Reason is null ? DefaultReason(rule, alert) : Fill(template.Reason, out problem);
        if (reason is null)
        {
            return null;
        }

        JsonNode? parameters = null;
        if (OperationRules.ParametersFor(template.OperationType) is { } parametersType)
        {
            var values = new JsonObject();
            foreach (var property in parametersType.GetProperties())
            {
                var jsonName = property.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name;
                if (jsonName is null)
                {
                    continue;
                }

                if (!template.Parameters.TryGetValue(jsonName, out var valueTemplate))
                {
                    values[jsonName] = null;
                    continue;
                }

                if (Fill(valueTemplate, out problem) is not { } value)
                {
                    return null;
                }

                // The contract's declared type decides how a value is read, never what the value looks like.
                var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                if (type == typeof(int))
                {
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                    {
                        problem = $"parameter {jsonName} is not a whole number";
                        return null;
                    }

                    values[jsonName] = number;
                }
                else if (type == typeof(bool))
                {
                    if (value is not ("true" or "false"))
                    {
                        problem = $"parameter {jsonName} is not true or false";
                        return null;
                    }

                    values[jsonName] = value == "true";
                }
                else
                {
                    values[jsonName] = value;
                }
            }

            parameters = values;
        }

        var target = ns is null ? $"{WireNames.Of(template.ResourceType)}/{name}" : $"{WireNames.Of(template.ResourceType)}/{name} in {ns}";
        var json = new JsonObject
        {
            ["original_request"] = Truncate($"Alertmanager alert {alert.Name} ({alert.Fingerprint}) matched remediation rule {rule.Name}", Bounds.MaxOriginalRequest),
            ["operations"] = new JsonArray(new JsonObject
            {
                ["operation_type"] = WireNames.Of(template.OperationType),
                ["resource_type"] = WireNames.Of(template.ResourceType),
                ["resource_name"] = name,
                ["namespace"] = ns,
                ["parameters"] = parameters,
                ["reason"] = reason,
                ["requires_confirmation"] = false,
            }),
            ["estimated_risk_level"] = WireNames.Of(template.OperationType.IsMutating() ? RiskLevel.Medium : RiskLevel.Low),
            ["summary"] = Truncate($"{WireNames.Of(template.OperationType)} {target} for alert {alert.Name} (rule {rule.Name})", Bounds.MaxSummary),
        };
        if (!IntentJson.TryParse(json.ToJsonString(), out var intent, out var errors))
        {
            problem = "the operation breaks the intent model: " + string.Join("; ", errors);
            return null;
        }

        return intent;
    }

    private static string DefaultReason(RemediationRule rule, Alert alert) =>
        Truncate($"Alertmanager alert {alert.Name} is firing; remediation rule {rule.Name} matched it", Bounds.MaxReason);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    internal static bool IsDnsName(string value) => value.Length <= Bounds.MaxResourceName && DnsName().IsMatch(value);

    internal static bool IsLabelValue(string value) => value.Length <= Bounds.MaxResourceName && LabelValue().IsMatch(value);

    // \z, not $: $ also matches before a trailing newline.
    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex DnsName();

    [GeneratedRegex(@"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValue();
}
