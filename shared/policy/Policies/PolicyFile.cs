using System.Globalization;
using System.Text.RegularExpressions;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Hosting.Yaml;
using K8sAgentPlatform.Policy.Images;
using K8sAgentPlatform.Policy.Rules;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace K8sAgentPlatform.Policy.Policies;

/// <summary>One problem in a policy file, at the line and column of the offending key or value.</summary>
public sealed record PolicyFileError(int Line, int Column, string Key, string Message)
{
    public override string ToString() => Key.Length == 0
        ? $"line {Line}, column {Column}: {Message}"
        : $"line {Line}, column {Column}: {Key}: {Message}";
}

/// <summary>A policy file broke one or more rules; <see cref="Errors"/> holds every one of them.</summary>
public sealed class PolicyFileException(string source, IReadOnlyList<PolicyFileError> errors)
    : Exception($"The policy file {source} is invalid:{Environment.NewLine}" + string.Join(Environment.NewLine, errors.Select(e => $"  {source}:{e}")))
{
    public IReadOnlyList<PolicyFileError> Errors { get; } = errors;
}

/// <summary>
/// Reads the YAML policy file strictly: unknown keys, wrong types and bad values are errors that name
/// the line and the key, and every error is reported, not only the first. Keys left out keep the defaults.
/// </summary>
public static class PolicyFile
{
    private const int MaxBytes = 1024 * 1024;
    private const int MaxEvents = 100_000;

    public static PolicySettings Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new PolicyFileException(path, [new PolicyFileError(0, 0, "", "the file does not exist")]);
        }

        if (info.Length > MaxBytes)
        {
            throw new PolicyFileException(path, [new PolicyFileError(0, 0, "", $"the file is larger than {MaxBytes} bytes")]);
        }

        return Parse(File.ReadAllText(path), path);
    }

    public static PolicySettings Parse(string yaml, string source = "policy")
    {
        if (TryParse(yaml, out var settings, out var errors))
        {
            return settings;
        }

        throw new PolicyFileException(source, errors);
    }

    public static bool TryParse(string yaml, out PolicySettings settings, out IReadOnlyList<PolicyFileError> errors)
    {
        var found = new List<PolicyFileError>();
        settings = PolicySettings.Default;
        if (YamlFailure.TryLoad(yaml, MaxEvents, out var stream) is { } failure)
        {
            found.Add(new PolicyFileError(failure.Line, failure.Column, "", failure.Message));
            errors = found;
            return false;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            errors = found;
            return true; // an empty file means the defaults
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            found.Add(new PolicyFileError((int)second.Start.Line, (int)second.Start.Column, "", "a policy file holds one YAML document"));
        }

        var reader = new Reader();
        settings = reader.Read(stream.Documents[0].RootNode);
        found.AddRange(reader.Errors);
        errors = found;
        return found.Count == 0;
    }

    private sealed class Reader
    {
        private readonly YamlFileReader yaml = new(NumberStyles.AllowLeadingSign);

        public IEnumerable<PolicyFileError> Errors => yaml.Errors.Select(e => new PolicyFileError(e.Line, e.Column, e.Key, e.Message));

        public PolicySettings Read(YamlNode root)
        {
            var settings = PolicySettings.Default;
            var top = yaml.Mapping(root, "");
            if (top is null)
            {
                return settings;
            }

            foreach (var (key, value) in yaml.Entries(top, "", ["version", "namespaces", "scaling", "images", "deletes", "nodes", "confirmation", "gitops", "manifests", "pod_security", "live"]))
            {
                switch (key)
                {
                    case "version":
                        _ = yaml.Int(value, "version", 1, 1);
                        break;
                    case "namespaces":
                        settings = Namespaces(value, settings);
                        break;
                    case "scaling":
                        settings = Section(value, "scaling", ["max_scale_factor", "max_replicas"], settings, (k, v, s) => k switch
                        {
                            "max_scale_factor" => yaml.Double(v, "scaling.max_scale_factor", 1.0, 100.0) is { } f ? s with { MaxScaleFactor = f } : s,
                            _ => yaml.Int(v, "scaling.max_replicas", 0, Bounds.MaxReplicas) is { } r ? s with { MaxReplicas = r } : s,
                        });
                        break;
                    case "images":
                        settings = Section(value, "images", ["approved_registries", "mutable_tags"], settings, (k, v, s) => k switch
                        {
                            "approved_registries" => Strings(v, "images.approved_registries", ValidRegistry) is { } r ? s with { ApprovedRegistries = r } : s,
                            _ => Strings(v, "images.mutable_tags", ValidTag) is { } t ? s with { MutableTags = t } : s,
                        });
                        break;
                    case "deletes":
                        settings = Section(value, "deletes", ["allow_namespace_deletion"], settings, (_, v, s) =>
                            yaml.Bool(v, "deletes.allow_namespace_deletion") is { } b ? s with { AllowNamespaceDeletion = b } : s);
                        break;
                    case "nodes":
                        settings = Section(value, "nodes", ["min_risk_level"], settings, (_, v, s) =>
                            yaml.Enum<RiskLevel>(v, "nodes.min_risk_level") is { } r ? s with { NodeOperationsMinRisk = r } : s);
                        break;
                    case "confirmation":
                        settings = Section(value, "confirmation", ["four_eyes_from"], settings, (_, v, s) =>
                            yaml.Enum<RiskLevel>(v, "confirmation.four_eyes_from") is { } r ? s with { FourEyesFrom = r } : s);
                        break;
                    case "gitops":
                        settings = Section(value, "gitops", ["mode"], settings, (_, v, s) =>
                            yaml.Scalar(v, "gitops.mode") switch
                            {
                                null => s,
                                "warn" => s with { GitOpsMode = GitOpsMode.Warn },
                                "confirm" => s with { GitOpsMode = GitOpsMode.Confirm },
                                "refuse" => s with { GitOpsMode = GitOpsMode.Refuse },
                                var other => Fail(v, "gitops.mode", $"must be warn, confirm or refuse, got '{other}'", s),
                            });
                        break;
                    case "manifests":
                        settings = Section(value, "manifests", ["allowed_kinds", "allowed_service_types", "allow_external_ips", "allow_platform_service_accounts"], settings, (k, v, s) => k switch
                        {
                            "allowed_kinds" => Strings(v, "manifests.allowed_kinds", ValidKind) is { } kinds ? s with { ManifestAllowedKinds = kinds } : s,
                            "allowed_service_types" => Strings(v, "manifests.allowed_service_types", ValidServiceType) is { } types ? s with { ManifestServiceTypes = types } : s,
                            "allow_external_ips" => yaml.Bool(v, "manifests.allow_external_ips") is { } b ? s with { ManifestAllowExternalIps = b } : s,
                            _ => yaml.Bool(v, "manifests.allow_platform_service_accounts") is { } b ? s with { ManifestAllowPlatformServiceAccounts = b } : s,
                        });
                        break;
                    case "pod_security":
                        settings = Section(value, "pod_security", ["default", "namespaces"], settings, (k, v, s) => k switch
                        {
                            "default" => yaml.Enum<PodSecurityLevel>(v, "pod_security.default") is { } level ? s with { PodSecurityDefault = level } : s,
                            _ => PodSecurityNamespaces(v) is { } levels ? s with { PodSecurityNamespaces = levels } : s,
                        });
                        break;
                    default:
                        settings = Section(value, "live", ["dry_run"], settings, (_, v, s) =>
                            yaml.Bool(v, "live.dry_run") is { } b ? s with { DryRun = b } : s);
                        break;
                }
            }

            return settings;
        }

        private PolicySettings Namespaces(YamlNode node, PolicySettings settings) =>
            Section(node, "namespaces", ["protected", "production_pattern", "allowed"], settings, (k, v, s) => k switch
            {
                "protected" => Strings(v, "namespaces.protected", ValidNamespace) is { } p ? s with { ProtectedNamespaces = p } : s,
                "allowed" => Strings(v, "namespaces.allowed", ValidNamespace) is { } a ? s with { AllowedNamespaces = a } : s,
                _ => yaml.Scalar(v, "namespaces.production_pattern") is { } pattern && ValidPattern(pattern) is var problem
                    ? problem is null ? s with { ProductionPattern = pattern } : Fail(v, "namespaces.production_pattern", problem, s)
                    : s,
            });

        private Dictionary<string, PodSecurityLevel>? PodSecurityNamespaces(YamlNode node)
        {
            if (node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" })
            {
                return [];
            }

            if (yaml.Mapping(node, "pod_security.namespaces") is not { } mapping)
            {
                return null;
            }

            var levels = new Dictionary<string, PodSecurityLevel>(StringComparer.Ordinal);
            var ok = true;
            foreach (var (key, value) in mapping.Children)
            {
                var ns = (key as YamlScalarNode)?.Value ?? "";
                if (ValidNamespace(ns) is { } problem)
                {
                    yaml.Error(key, "pod_security.namespaces", problem);
                    ok = false;
                    continue;
                }

                if (yaml.Enum<PodSecurityLevel>(value, $"pod_security.namespaces.{ns}") is { } level)
                {
                    levels[ns] = level;
                }
                else
                {
                    ok = false;
                }
            }

            return ok ? levels : null;
        }

        private PolicySettings Section(YamlNode node, string name, string[] keys, PolicySettings settings, Func<string, YamlNode, PolicySettings, PolicySettings> apply)
        {
            // "scaling:" with nothing under it overrides nothing.
            if (node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" })
            {
                return settings;
            }

            if (yaml.Mapping(node, name) is not { } mapping)
            {
                return settings;
            }

            foreach (var (key, value) in yaml.Entries(mapping, name, keys))
            {
                settings = apply(key, value, settings);
            }

            return settings;
        }

        private string[]? Strings(YamlNode node, string key, Func<string, string?> validate)
        {
            if (node is not YamlSequenceNode sequence)
            {
                yaml.Error(node, key, "must be a list");
                return null;
            }

            var values = new List<string>();
            var ok = true;
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                var item = sequence.Children[i];
                if (yaml.Scalar(item, $"{key}[{i}]") is not { } value)
                {
                    ok = false;
                    continue;
                }

                if (validate(value) is { } problem)
                {
                    yaml.Error(item, $"{key}[{i}]", problem);
                    ok = false;
                    continue;
                }

                values.Add(value);
            }

            return ok ? values.ToArray() : null;
        }

        private PolicySettings Fail(YamlNode node, string key, string message, PolicySettings settings)
        {
            yaml.Error(node, key, message);
            return settings;
        }
    }

    private static readonly Regex DnsLabel = new(Bounds.DnsLabelPattern, RegexOptions.CultureInvariant);
    private static readonly Regex Kind = new("^[A-Z][A-Za-z0-9]{0,62}$", RegexOptions.CultureInvariant);
    private static readonly Regex Tag = new("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant);

    private static string? ValidNamespace(string value) =>
        value.Length <= Bounds.MaxNamespace && DnsLabel.IsMatch(value) && !value.EndsWith('\n') ? null : $"'{value}' is not a namespace name (DNS-1123 label)";

    private static string? ValidKind(string value) =>
        Kind.IsMatch(value) && !value.EndsWith('\n') ? null : $"'{value}' is not a Kubernetes kind (e.g. Deployment)";

    private static string? ValidServiceType(string value) =>
        value is "ClusterIP" or "NodePort" or "LoadBalancer" or "ExternalName" ? null : $"'{value}' is not a Service type (ClusterIP, NodePort, LoadBalancer, ExternalName)";

    private static string? ValidTag(string value) =>
        Tag.IsMatch(value) && !value.EndsWith('\n') ? null : $"'{value}' is not an image tag";

    private static string? ValidRegistry(string value) =>
        RegistryPattern.TryParse(value, out _, out var problem) ? null : problem;

    private static string? ValidPattern(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));
            return null;
        }
        catch (ArgumentException e)
        {
            return $"is not a valid regular expression: {e.Message}";
        }
    }
}
