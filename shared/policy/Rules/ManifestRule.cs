using System.Collections.Frozen;
using System.Globalization;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Policies;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace K8sAgentPlatform.Policy.Rules;

/// <summary>
/// apply_manifest: every YAML document is parsed and checked as an object the executor would apply.
/// Kinds come from an allowlist; each object must sit in the operation's namespace; cluster-scoped
/// objects and RBAC reaching beyond the namespace are refused; container images are checked like update_image.
/// </summary>
public sealed class ManifestRule : IStaticRule
{
    private const int MaxEvents = 200_000;

    // Refused even when a policy file lists them: they act outside any namespace.
    private static readonly FrozenSet<string> ClusterScopedKinds = new[]
    {
        "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
        "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass", "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
        "APIService", "CSIDriver", "CSINode", "VolumeAttachment", "CertificateSigningRequest", "FlowSchema",
        "PriorityLevelConfiguration", "ComponentStatus",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> ContainerLists = new[] { "containers", "initContainers", "ephemeralContainers" }.ToFrozenSet(StringComparer.Ordinal);

    public string Id => RuleIds.ManifestKind;

    public void Check(OperationContext context, OperationFindings findings)
    {
        if (context.Operation.Parameters is not ApplyManifestParameters { Manifest: { } manifest })
        {
            return;
        }

        findings.RaiseRisk(RiskLevel.High);
        if (YamlFailure.TryLoad(manifest, MaxEvents, out var stream) is { } failure)
        {
            findings.Reject(RuleIds.ManifestParse, $"line {failure.Line}, column {failure.Column}: the manifest is not valid YAML: {failure.Message}");
            return;
        }

        if (AnchorProblem(manifest) is { } problem)
        {
            findings.Reject(RuleIds.ManifestParse, problem);
            return;
        }

        var count = 0;
        foreach (var document in stream.Documents)
        {
            var root = document.RootNode;
            if (root is YamlScalarNode { Value: null or "" })
            {
                continue; // an empty document ("---" alone) applies nothing
            }

            count++;
            CheckObject(context, findings, root, $"document {count} (line {root.Start.Line})");
        }

        if (count == 0)
        {
            findings.Reject(RuleIds.ManifestParse, "the manifest holds no object");
        }
    }

    // Anchors and aliases are refused: an alias expands to shared nodes, so a small text can describe an
    // exponentially large tree ("billion laughs"), and no Kubernetes manifest needs them.
    private static string? AnchorProblem(string manifest)
    {
        var parser = new Parser(new StringReader(manifest));
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case AnchorAlias alias:
                    return $"line {alias.Start.Line}: YAML aliases are not accepted in manifests";
                case NodeEvent { Anchor.IsEmpty: false } anchored:
                    return $"line {anchored.Start.Line}: YAML anchors are not accepted in manifests";
            }
        }

        return null;
    }

    private static void CheckObject(OperationContext context, OperationFindings findings, YamlNode root, string where)
    {
        if (root is not YamlMappingNode obj)
        {
            findings.Reject(RuleIds.ManifestParse, $"{where}: is not a Kubernetes object (a mapping with apiVersion, kind and metadata)");
            return;
        }

        var apiVersion = Text(obj, "apiVersion");
        var kind = Text(obj, "kind");
        var metadata = Child(obj, "metadata") as YamlMappingNode;
        var name = metadata is null ? null : Text(metadata, "name");
        if (apiVersion is null || kind is null || name is null)
        {
            findings.Reject(RuleIds.ManifestParse, $"{where}: apiVersion, kind and metadata.name are required");
            return;
        }

        var label = $"{where} {kind}/{name}";
        if (Dns1123NameRule.Problem(name, label: false) is { } nameProblem)
        {
            findings.Reject(RuleIds.Dns1123, $"{label}: metadata.name {nameProblem}");
        }

        if (ClusterScopedKinds.Contains(kind))
        {
            findings.Reject(RuleIds.ManifestClusterScoped, $"{label}: {kind} is cluster-scoped; manifests may only hold objects inside the operation's namespace");
        }
        else if (!context.Settings.ManifestAllowedKinds.Contains(kind, StringComparer.Ordinal))
        {
            findings.Reject(RuleIds.ManifestKind, $"{label}: kind {kind} is not allowed (allowed: {string.Join(", ", context.Settings.ManifestAllowedKinds)})");
        }

        var ns = metadata is null ? null : Text(metadata, "namespace");
        if (ns != context.Operation.Namespace)
        {
            findings.Reject(RuleIds.ManifestNamespace, ns is null
                ? $"{label}: metadata.namespace must be set to the operation's namespace '{context.Operation.Namespace}'"
                : $"{label}: metadata.namespace '{ns}' differs from the operation's namespace '{context.Operation.Namespace}'");
        }

        if (context.Settings.IsProtected(ns))
        {
            findings.Reject(RuleIds.ProtectedNamespace, $"{label}: namespace '{ns}' is protected");
        }

        if (kind == "RoleBinding" && Child(obj, "roleRef") is YamlMappingNode roleRef && Text(roleRef, "kind") is "ClusterRole")
        {
            findings.Reject(RuleIds.ManifestRbac, $"{label}: a RoleBinding to the ClusterRole '{Text(roleRef, "name")}' grants permissions defined outside the namespace");
        }

        if (kind is "Deployment" or "StatefulSet" or "ReplicaSet" && Child(obj, "spec") is YamlMappingNode spec
            && Text(spec, "replicas") is { } replicasText)
        {
            if (!int.TryParse(replicasText, NumberStyles.None, CultureInfo.InvariantCulture, out var replicas))
            {
                findings.Reject(RuleIds.ManifestParse, $"{label}: spec.replicas '{replicasText}' is not a whole number");
            }
            else if (replicas > context.Settings.MaxReplicas)
            {
                findings.Reject(RuleIds.MaxReplicas, $"{label}: {replicas} replicas exceeds the absolute maximum of {context.Settings.MaxReplicas}");
            }
        }

        foreach (var (container, image) in Containers(obj))
        {
            if (image is null)
            {
                findings.Reject(RuleIds.ImageReference, $"{label}: container '{container}' has no image");
                continue;
            }

            ImageRule.CheckReference(context, findings, image, $"{label} container '{container}'");
        }

        var level = context.Settings.PodSecurityLevelFor(context.Operation.Namespace);
        foreach (var (path, podSpec, podMetadata) in PodTemplates(obj, ""))
        {
            foreach (var violation in PodSecurity.Check(podSpec, podMetadata, level))
            {
                findings.Reject(violation.RuleId, $"{label}{path}: {violation}; namespace '{context.Operation.Namespace}' is held to the {WireNames.Of(level)} Pod Security Standard");
            }
        }

        if (kind == "Service" && Child(obj, "spec") is YamlMappingNode serviceSpec)
        {
            CheckServiceExposure(context, findings, serviceSpec, label);
        }

        if (!context.Settings.ManifestAllowPlatformServiceAccounts)
        {
            CheckPlatformServiceAccounts(context, findings, obj, kind, label);
        }
    }

    /// <summary>
    /// Every pod template, wherever a kind nests it (Pod: the object; Deployment...: spec.template; CronJob:
    /// spec.jobTemplate.spec.template): a mapping whose "spec" holds containers. Found by shape rather than by kind,
    /// so a kind a policy file allows later cannot carry a pod past the check.
    /// </summary>
    private static IEnumerable<(string Path, YamlMappingNode Spec, YamlMappingNode? Metadata)> PodTemplates(YamlMappingNode node, string path)
    {
        if (Child(node, "spec") is YamlMappingNode spec && ContainerLists.Any(list => Child(spec, list) is not null))
        {
            yield return (path.Length == 0 ? "" : $" {path.TrimStart('.')}", spec, Child(node, "metadata") as YamlMappingNode);
        }

        foreach (var (key, value) in node.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? "?";
            var children = value switch
            {
                YamlMappingNode mapping => [(mapping, $"{path}.{name}")],
                YamlSequenceNode sequence => sequence.Children.OfType<YamlMappingNode>().Select((m, i) => (m, $"{path}.{name}[{i}]")),
                _ => Enumerable.Empty<(YamlMappingNode, string)>(),
            };
            foreach (var (child, childPath) in children)
            {
                foreach (var found in PodTemplates(child, childPath))
                {
                    yield return found;
                }
            }
        }
    }

    private static void CheckServiceExposure(OperationContext context, OperationFindings findings, YamlMappingNode spec, string label)
    {
        var type = Text(spec, "type") ?? "ClusterIP";
        if (!context.Settings.ManifestServiceTypes.Contains(type, StringComparer.Ordinal))
        {
            findings.Reject(RuleIds.ManifestServiceExposure, $"{label}: Service type {type} is not allowed (allowed: {string.Join(", ", context.Settings.ManifestServiceTypes)}; manifests.allowed_service_types)");
        }

        if (!context.Settings.ManifestAllowExternalIps && Child(spec, "externalIPs") is { } ips && ips is not YamlScalarNode { Value: null or "" or "~" or "null" } && ips is not YamlSequenceNode { Children.Count: 0 })
        {
            findings.Reject(RuleIds.ManifestServiceExposure, $"{label}: spec.externalIPs lets a Service claim any address cluster-wide; not allowed unless manifests.allow_external_ips is true");
        }
    }

    // The platform's ServiceAccounts live in its namespace, which a manifest cannot touch; a RoleBinding elsewhere can
    // still name them as subjects and so widen what the platform itself may do.
    private static void CheckPlatformServiceAccounts(OperationContext context, OperationFindings findings, YamlMappingNode obj, string kind, string label)
    {
        if (kind is not ("RoleBinding" or "ClusterRoleBinding") || Child(obj, "subjects") is not YamlSequenceNode subjects)
        {
            return;
        }

        var platform = context.Settings.PlatformNamespace;
        foreach (var subject in subjects.Children.OfType<YamlMappingNode>())
        {
            var subjectKind = Text(subject, "kind");
            var name = Text(subject, "name") ?? "";
            var platformAccount = subjectKind switch
            {
                "ServiceAccount" => Text(subject, "namespace") == platform,
                "User" => name.StartsWith($"system:serviceaccount:{platform}:", StringComparison.Ordinal),
                "Group" => name == $"system:serviceaccounts:{platform}" || name == "system:serviceaccounts",
                _ => false,
            };
            if (platformAccount)
            {
                findings.Reject(RuleIds.ManifestPlatformServiceAccount, $"{label}: subject {subjectKind} '{name}' is (or includes) the platform's own ServiceAccounts in namespace '{platform}'; not allowed unless manifests.allow_platform_service_accounts is true");
            }
        }
    }

    /// <summary>Every container of every pod template, wherever it is nested (Pod, Deployment, CronJob...).</summary>
    private static IEnumerable<(string Name, string? Image)> Containers(YamlNode node)
    {
        var pending = new Stack<YamlNode>();
        pending.Push(node);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case YamlMappingNode mapping:
                    foreach (var (key, value) in mapping.Children)
                    {
                        if (key is YamlScalarNode { Value: { } k } && ContainerLists.Contains(k) && value is YamlSequenceNode list)
                        {
                            foreach (var item in list.Children)
                            {
                                if (item is YamlMappingNode container)
                                {
                                    yield return (Text(container, "name") ?? "(unnamed)", Text(container, "image"));
                                }
                            }
                        }
                        else
                        {
                            pending.Push(value);
                        }
                    }

                    break;
                case YamlSequenceNode sequence:
                    foreach (var item in sequence.Children)
                    {
                        pending.Push(item);
                    }

                    break;
            }
        }
    }

    private static YamlNode? Child(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Text(YamlMappingNode mapping, string key) =>
        Child(mapping, key) is YamlScalarNode { Value: { Length: > 0 } value } ? value : null;
}
