using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Hosting.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace K8sAgentPlatform.Remediation.Rules;

/// <summary>One problem in a rules file, at the line and column of the offending key or value.</summary>
public sealed record RulesFileError(int Line, int Column, string Key, string Message)
{
    public override string ToString() => Key.Length == 0
        ? $"line {Line}, column {Column}: {Message}"
        : $"line {Line}, column {Column}: {Key}: {Message}";
}

/// <summary>A rules file broke one or more rules; <see cref="Errors"/> holds every one of them.</summary>
public sealed class RemediationRulesException(string source, IReadOnlyList<RulesFileError> errors)
    : Exception($"The remediation rules file {source} is invalid:{Environment.NewLine}" + string.Join(Environment.NewLine, errors.Select(e => $"  {source}:{e}")))
{
    public IReadOnlyList<RulesFileError> Errors { get; } = errors;
}

/// <summary>
/// Reads the YAML rules file strictly, like the policy file: unknown keys, wrong types, bad matchers, templates
/// with anything but label placeholders and operations the intent model does not allow are errors naming the
/// line and the key, and every error is reported.
/// </summary>
public static partial class RemediationRulesFile
{
    private const int MaxBytes = 1024 * 1024;
    private const int MaxRules = 500;
    private static readonly TimeSpan MaxCooldown = TimeSpan.FromDays(7);

    public static RemediationRules Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new RemediationRulesException(path, [new RulesFileError(0, 0, "", "the file does not exist")]);
        }

        if (info.Length > MaxBytes)
        {
            throw new RemediationRulesException(path, [new RulesFileError(0, 0, "", $"the file is larger than {MaxBytes} bytes")]);
        }

        return Parse(File.ReadAllText(path), path);
    }

    public static RemediationRules Parse(string yaml, string source = "rules") =>
        TryParse(yaml, out var rules, out var errors) ? rules : throw new RemediationRulesException(source, errors);

    public static bool TryParse(string yaml, out RemediationRules rules, out IReadOnlyList<RulesFileError> errors)
    {
        var found = new List<RulesFileError>();
        rules = new RemediationRules([]);
        errors = found;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            found.Add(new RulesFileError((int)e.Start.Line, (int)e.Start.Column, "", (e.InnerException as YamlException ?? e).Message));
            return false;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException or KeyNotFoundException)
        {
            found.Add(new RulesFileError(1, 1, "", $"the YAML cannot be loaded: {e.Message}"));
            return false;
        }

        if (stream.Documents.Count != 1)
        {
            found.Add(new RulesFileError(1, 1, "", "a rules file holds exactly one YAML document with a 'rules' list"));
            return false;
        }

        var reader = new Reader();
        rules = reader.Read(stream.Documents[0].RootNode);
        found.AddRange(reader.Errors);
        return found.Count == 0;
    }

    private sealed class Reader
    {
        private readonly YamlFileReader yaml = new();

        public IEnumerable<RulesFileError> Errors => yaml.Errors.Select(e => new RulesFileError(e.Line, e.Column, e.Key, e.Message));

        public RemediationRules Read(YamlNode root)
        {
            var list = new List<RemediationRule>();
            if (yaml.Mapping(root, "") is not { } top)
            {
                return new RemediationRules(list);
            }

            YamlNode? rulesNode = null;
            foreach (var (key, value) in yaml.Entries(top, "", ["version", "rules"]))
            {
                if (key == "version")
                {
                    if (yaml.Scalar(value, "version") is { } v && v != "1")
                    {
                        yaml.Error(value, "version", $"must be 1, got '{v}'");
                    }
                }
                else
                {
                    rulesNode = value;
                }
            }

            if (rulesNode is null)
            {
                yaml.Error(root, "rules", "is required: a list of rules");
                return new RemediationRules(list);
            }

            if (rulesNode is not YamlSequenceNode sequence)
            {
                yaml.Error(rulesNode, "rules", "must be a list of rules");
                return new RemediationRules(list);
            }

            if (sequence.Children.Count > MaxRules)
            {
                yaml.Error(sequence, "rules", $"at most {MaxRules} rules");
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                if (Rule(sequence.Children[i], $"rules[{i}]") is { } rule)
                {
                    if (!names.Add(rule.Name))
                    {
                        yaml.Error(sequence.Children[i], $"rules[{i}].name", $"'{rule.Name}' is already the name of another rule");
                    }

                    list.Add(rule);
                }
            }

            return new RemediationRules(list);
        }

        private RemediationRule? Rule(YamlNode node, string path)
        {
            if (yaml.Mapping(node, path) is not { } mapping)
            {
                return null;
            }

            var before = yaml.Errors.Count;
            string? name = null;
            List<LabelMatcher>? matchers = null;
            LabelTemplate? text = null;
            OperationType? type = null;
            var count = 1;
            OperationTemplate? operation = null;
            YamlNode? operationNode = null;
            var autoConfirm = false;
            var cooldown = TimeSpan.FromMinutes(10);
            foreach (var (key, value) in yaml.Entries(mapping, path, ["name", "matchers", "text", "operation_type", "operation_count", "operation", "auto_confirm", "cooldown"]))
            {
                var at = $"{path}.{key}";
                switch (key)
                {
                    case "name":
                        name = yaml.Scalar(value, at);
                        if (name is not null && !RuleName().IsMatch(name))
                        {
                            yaml.Error(value, at, "must be 1 to 63 lowercase letters, digits and '-' (it becomes part of the principal alertmanager:<name>)");
                        }

                        break;
                    case "matchers":
                        matchers = Matchers(value, at);
                        break;
                    case "text":
                        text = Template(value, at);
                        break;
                    case "operation_type":
                        type = yaml.Enum<OperationType>(value, at);
                        break;
                    case "operation_count":
                        count = yaml.Int(value, at, 1, Bounds.MaxOperations) ?? 1;
                        break;
                    case "operation":
                        operationNode = value;
                        operation = Operation(value, at);
                        break;
                    case "auto_confirm":
                        autoConfirm = yaml.Bool(value, at) ?? false;
                        break;
                    default:
                        cooldown = Duration(value, at) ?? cooldown;
                        break;
                }
            }

            if (name is null)
            {
                yaml.Error(node, $"{path}.name", "is required");
            }

            if (!mapping.Children.Keys.OfType<YamlScalarNode>().Any(k => k.Value == "matchers") || matchers is { Count: 0 } && yaml.Errors.Count == before)
            {
                yaml.Error(node, $"{path}.matchers", "is required: at least one label matcher, e.g. alertname=\"KubePodCrashLooping\"");
            }

            if ((text is null) == (operationNode is null) && yaml.Errors.Count == before)
            {
                yaml.Error(node, path, "needs exactly one of 'text' (a request in plain language) and 'operation' (a typed operation)");
            }

            if (text is not null && type is null && yaml.Errors.Count == before)
            {
                yaml.Error(node, $"{path}.operation_type", "is required with 'text': the one operation type the text must produce");
            }

            if (operationNode is not null && mapping.Children.Keys.OfType<YamlScalarNode>().Any(k => k.Value is "operation_type" or "operation_count"))
            {
                yaml.Error(node, path, "'operation_type' and 'operation_count' go with 'text'; a typed 'operation' names its own type");
            }

            if (yaml.Errors.Count > before)
            {
                return null;
            }

            return new RemediationRule
            {
                Name = name!,
                Matchers = matchers!,
                Text = text,
                OperationType = operation?.OperationType ?? type!.Value,
                OperationCount = operation is null ? count : 1,
                Operation = operation,
                AutoConfirm = autoConfirm,
                Cooldown = cooldown,
                Line = (int)node.Start.Line,
            };
        }

        private OperationTemplate? Operation(YamlNode node, string path)
        {
            if (yaml.Mapping(node, path) is not { } mapping)
            {
                return null;
            }

            var before = yaml.Errors.Count;
            OperationType? type = null;
            ResourceType? resource = null;
            LabelTemplate? name = null, ns = null, reason = null;
            var parameters = new Dictionary<string, LabelTemplate>(StringComparer.Ordinal);
            YamlMappingNode? parametersNode = null;
            foreach (var (key, value) in yaml.Entries(mapping, path, ["operation_type", "resource_type", "resource_name", "namespace", "parameters", "reason"]))
            {
                var at = $"{path}.{key}";
                switch (key)
                {
                    case "operation_type": type = yaml.Enum<OperationType>(value, at); break;
                    case "resource_type": resource = yaml.Enum<ResourceType>(value, at); break;
                    case "resource_name": name = Template(value, at); break;
                    case "namespace": ns = Template(value, at); break;
                    case "reason": reason = Template(value, at); break;
                    default:
                        parametersNode = yaml.Mapping(value, at);
                        foreach (var (k, v) in parametersNode?.Children.Select(c => (c.Key, c.Value)) ?? [])
                        {
                            var keyName = k is YamlScalarNode { Value: { } s } ? s : "";
                            if (Template(v, $"{at}.{keyName}") is { } template)
                            {
                                parameters[keyName] = template;
                            }
                        }

                        break;
                }
            }

            if (type is null)
            {
                yaml.Error(node, $"{path}.operation_type", "is required");
            }

            if (resource is null)
            {
                yaml.Error(node, $"{path}.resource_type", "is required");
            }

            if (name is null)
            {
                yaml.Error(node, $"{path}.resource_name", "is required");
            }

            if (type is { } t && resource is { } r)
            {
                if (!OperationRules.ResourcesFor(t).Contains(r))
                {
                    yaml.Error(node, $"{path}.resource_type", $"{WireNames.Of(t)} does not apply to {WireNames.Of(r)} (it applies to {string.Join(", ", OperationRules.ResourcesFor(t).Select(x => WireNames.Of(x)))})");
                }

                if (r.IsClusterScoped() != (ns is null))
                {
                    yaml.Error(node, $"{path}.namespace", r.IsClusterScoped() ? $"a {WireNames.Of(r)} has no namespace" : "is required");
                }

                var known = ParameterNames(t);
                foreach (var (k, _) in parametersNode?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>())
                {
                    var keyName = k is YamlScalarNode { Value: { } s } ? s : "";
                    if (!known.Contains(keyName))
                    {
                        yaml.Error(k, $"{path}.parameters.{keyName}", known.Count == 0
                            ? $"{WireNames.Of(t)} takes no parameters"
                            : $"unknown parameter of {WireNames.Of(t)} (known: {string.Join(", ", known)})");
                    }
                }
            }

            return yaml.Errors.Count > before ? null : new OperationTemplate(type!.Value, resource!.Value, name!, ns, parameters, reason);
        }

        private List<LabelMatcher>? Matchers(YamlNode node, string path)
        {
            if (node is not YamlSequenceNode sequence)
            {
                yaml.Error(node, path, "must be a list of label matchers such as alertname=\"KubePodCrashLooping\"");
                return null;
            }

            var matchers = new List<LabelMatcher>();
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                if (yaml.Scalar(sequence.Children[i], $"{path}[{i}]") is not { } text)
                {
                    continue;
                }

                if (LabelMatcher.TryParse(text, out var problem) is { } matcher)
                {
                    matchers.Add(matcher);
                }
                else
                {
                    yaml.Error(sequence.Children[i], $"{path}[{i}]", problem!);
                }
            }

            return matchers;
        }

        private LabelTemplate? Template(YamlNode node, string path)
        {
            if (yaml.Scalar(node, path) is not { } text)
            {
                return null;
            }

            if (LabelTemplate.TryParse(text, out var problem) is { } template)
            {
                return template;
            }

            yaml.Error(node, path, problem!);
            return null;
        }

        private TimeSpan? Duration(YamlNode node, string key)
        {
            if (yaml.Scalar(node, key) is not { } text)
            {
                return null;
            }

            var m = DurationSyntax().Match(text);
            if (m.Success && long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                var value = m.Groups[2].Value switch
                {
                    "s" => TimeSpan.FromSeconds(n),
                    "m" => TimeSpan.FromMinutes(n),
                    "h" => TimeSpan.FromHours(n),
                    _ => TimeSpan.FromDays(n),
                };
                if (value <= MaxCooldown)
                {
                    return value;
                }
            }

            yaml.Error(node, key, $"must be a duration such as 30s, 10m, 2h or 1d, at most 7d, got '{text}'");
            return null;
        }
    }

    /// <summary>The JSON names of an operation type's parameters, read from the contract type.</summary>
    internal static IReadOnlyList<string> ParameterNames(OperationType type) =>
        OperationRules.ParametersFor(type) is { } parameters
            ? parameters.GetProperties().Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name).OfType<string>().ToList()
            : [];

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex RuleName();

    [GeneratedRegex("^([0-9]{1,6})(s|m|h|d)$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationSyntax();
}
