using System.Text.RegularExpressions;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Images;
using K8sAgentPlatform.Policy.Policies;

namespace K8sAgentPlatform.Policy.Rules;

/// <summary>The static rules in the order they run.</summary>
public static class StaticRules
{
    public static IReadOnlyList<IStaticRule> All { get; } =
    [
        new ProtectedNamespaceRule(),
        new AllowedNamespaceRule(),
        new Dns1123NameRule(),
        new ParametersFitRule(),
        new CrossNamespaceDeleteRule(),
        new NodeOperationRule(),
        new NamespaceDeletionRule(),
        new ProductionDeleteRule(),
        new MaxReplicasRule(),
        new ImageRule(),
        new ManifestRule(),
    ];
}

public sealed class ProtectedNamespaceRule : IStaticRule
{
    public string Id => RuleIds.ProtectedNamespace;

    public void Check(OperationContext context, OperationFindings findings)
    {
        if (context.Settings.IsPlatformNamespace(context.TargetNamespace))
        {
            findings.Reject(Id, $"namespace '{context.TargetNamespace}' is the platform's own namespace (its tokens, keys and service accounts); the platform never changes or reads it on request");
        }
        else if (context.Settings.IsProtected(context.TargetNamespace))
        {
            findings.Reject(Id, $"namespace '{context.TargetNamespace}' is protected; no operation may run there (protected: {string.Join(", ", context.Settings.ProtectedNamespaces)})");
        }
    }
}

public sealed class AllowedNamespaceRule : IStaticRule
{
    public string Id => RuleIds.AllowedNamespace;

    public void Check(OperationContext context, OperationFindings findings)
    {
        var allowed = context.Settings.AllowedNamespaces;
        if (allowed.Count > 0 && context.TargetNamespace is { } ns && !allowed.Contains(ns, StringComparer.Ordinal))
        {
            findings.Reject(Id, $"namespace '{ns}' is not in the allowed list ({string.Join(", ", allowed)})");
        }
    }
}

/// <summary>
/// Names are checked again here although the contract checks them: messages from the bus may come from
/// any publisher, and a name with '/' or '..' would change the API path the executor calls.
/// </summary>
public sealed partial class Dns1123NameRule : IStaticRule
{
    public string Id => RuleIds.Dns1123;

    public void Check(OperationContext context, OperationFindings findings)
    {
        var op = context.Operation;
        var label = op.ResourceType is ResourceType.Namespace or ResourceType.Service;
        CheckName(findings, "resource_name", op.ResourceName, label);
        if (op.Namespace is not null)
        {
            CheckName(findings, "namespace", op.Namespace, label: true);
        }

        switch (op.Parameters)
        {
            case UpdateImageParameters image:
                CheckName(findings, "parameters.container_name", image.ContainerName, label: true);
                break;
            case GetLogsParameters { ContainerName: { } container }:
                CheckName(findings, "parameters.container_name", container, label: true);
                break;
            case UpdateConfigParameters config:
                CheckName(findings, "parameters.configmap_name", config.ConfigmapName, label: false);
                break;
        }
    }

    private void CheckName(OperationFindings findings, string field, string? value, bool label)
    {
        if (Problem(value, label) is { } problem)
        {
            findings.Reject(Id, $"{field} {problem}");
        }
    }

    /// <summary>Why a value is not a DNS-1123 label or subdomain, or null when it is one.</summary>
    public static string? Problem(string? value, bool label)
    {
        var max = label ? Bounds.MaxNamespace : Bounds.MaxResourceName;
        var kind = label ? "DNS-1123 label" : "DNS-1123 subdomain";
        if (string.IsNullOrEmpty(value))
        {
            return $"is empty; it must be a {kind}";
        }

        var shown = ImageReference.Printable(value);
        if (value.Any(char.IsWhiteSpace))
        {
            return $"'{shown}' contains whitespace";
        }

        if (value.Any(c => c > '~'))
        {
            return $"'{shown}' contains non-ASCII characters (look-alike letters are refused)";
        }

        if (value.Contains('/', StringComparison.Ordinal) || value.Contains('\\', StringComparison.Ordinal) || value.Contains("..", StringComparison.Ordinal) || value is ".")
        {
            return $"'{shown}' contains a path separator or '..'";
        }

        if (value.Length > max)
        {
            return $"is {value.Length} characters long; a {kind} has at most {max}";
        }

        return (label ? LabelRegex() : SubdomainRegex()).IsMatch(value)
            ? null
            : $"'{shown}' is not a {kind} (lowercase letters, digits, '-'{(label ? "" : " and '.'")}, starting and ending with a letter or digit)";
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex LabelRegex();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SubdomainRegex();
}

/// <summary>The contract's own checks (parameter variant, resource types, bounds), re-run on what arrived.</summary>
public sealed class ParametersFitRule : IStaticRule
{
    public string Id => RuleIds.ParametersFit;

    public void Check(OperationContext context, OperationFindings findings)
    {
        foreach (var error in IntentValidator.ValidateOperation(context.Operation, $"operations[{context.Index}]"))
        {
            // Name formats are reported, with a clearer message, by the DNS-1123 rule.
            if (error.Path.EndsWith(".resource_name", StringComparison.Ordinal) || error.Path.EndsWith(".namespace", StringComparison.Ordinal) && error.Message.StartsWith("must be a DNS", StringComparison.Ordinal))
            {
                continue;
            }

            findings.Reject(Id, error.ToString());
        }
    }
}

public sealed class CrossNamespaceDeleteRule : IStaticRule
{
    public string Id => RuleIds.CrossNamespaceDelete;

    public void Check(OperationContext context, OperationFindings findings)
    {
        if (context.Operation.OperationType != OperationType.Delete)
        {
            return;
        }

        var namespaces = context.Intent.Operations.Select(o => o.Namespace ?? "").Distinct(StringComparer.Ordinal).ToArray();
        if (namespaces.Length > 1)
        {
            findings.Reject(Id, $"deletes are not allowed in an intent that spans several namespaces ({string.Join(", ", namespaces.Select(n => n.Length == 0 ? "(cluster)" : n))}); send one intent per namespace");
        }
    }
}

public sealed class NodeOperationRule : IStaticRule
{
    public string Id => RuleIds.NodeOperation;

    public void Check(OperationContext context, OperationFindings findings)
    {
        var op = context.Operation;
        if (!op.OperationType.IsNodeOperation() && op.ResourceType != ResourceType.Node)
        {
            return;
        }

        if (op.OperationType.IsMutating())
        {
            findings.RaiseRisk(RiskLevel.Critical);
        }

        if (!op.OperationType.IsNodeOperation())
        {
            return;
        }

        var min = context.Settings.NodeOperationsMinRisk;
        if (context.Intent.EstimatedRiskLevel < min)
        {
            findings.Reject(Id, $"node operations must be assessed as {WireNames.Of(min)} risk or above, the intent says {WireNames.Of(context.Intent.EstimatedRiskLevel)}; re-submit with an honest risk assessment");
        }

        findings.RequireConfirmation(Id, "node operations always need confirmation");

        if (op.Parameters is DrainNodeParameters { DeleteEmptydirData: true })
        {
            findings.Warn(Id, "drain with delete_emptydir_data loses the data of pods using emptyDir volumes");
        }
    }
}

public sealed class NamespaceDeletionRule : IStaticRule
{
    public string Id => RuleIds.NamespaceDeletion;

    public void Check(OperationContext context, OperationFindings findings)
    {
        if (context.Operation is not { OperationType: OperationType.Delete, ResourceType: ResourceType.Namespace })
        {
            return;
        }

        findings.RaiseRisk(RiskLevel.Critical);
        if (!context.Settings.AllowNamespaceDeletion)
        {
            findings.Reject(Id, "deleting a namespace is not permitted through the agent; use the manual workflow with dual approval");
        }
        else
        {
            findings.RequireConfirmation(Id, "deleting a namespace removes everything in it");
        }
    }
}

public sealed class ProductionDeleteRule : IStaticRule
{
    public string Id => RuleIds.ProductionDelete;

    public void Check(OperationContext context, OperationFindings findings)
    {
        if (context.Operation.OperationType != OperationType.Delete || !context.IsProduction)
        {
            return;
        }

        findings.RaiseRisk(RiskLevel.Critical);
        findings.RequireConfirmation(Id, $"deletes in production namespace '{context.TargetNamespace}' need confirmation");
    }
}

public sealed class MaxReplicasRule : IStaticRule
{
    public string Id => RuleIds.MaxReplicas;

    public void Check(OperationContext context, OperationFindings findings)
    {
        if (context.Operation.Parameters is ScaleParameters { Replicas: var replicas } && replicas > context.Settings.MaxReplicas)
        {
            findings.Reject(Id, $"{replicas} replicas exceeds the absolute maximum of {context.Settings.MaxReplicas}; submit a manual override to go beyond it");
        }
    }
}

public sealed class ImageRule : IStaticRule
{
    public string Id => RuleIds.ImageRegistry;

    public void Check(OperationContext context, OperationFindings findings)
    {
        if (context.Operation.Parameters is not UpdateImageParameters image)
        {
            return;
        }

        if (ImageReference.TryParse(image.Image, out var repository, out _) && !repository.IsImplicitLatest)
        {
            findings.Reject(RuleIds.ImageReference, $"image '{image.Image}' must be a repository without tag or digest; put the tag in the tag field");
            return;
        }

        CheckReference(context, findings, image.Reference, $"update_image of container '{image.ContainerName}'");
    }

    /// <summary>Checks one full reference (also used for the images inside manifests).</summary>
    public static void CheckReference(OperationContext context, OperationFindings findings, string reference, string where)
    {
        if (!ImageReference.TryParse(reference, out var parsed, out var problem))
        {
            findings.Reject(RuleIds.ImageReference, $"{where}: {problem}");
            return;
        }

        var settings = context.Settings;
        var approved = settings.ApprovedRegistries.Select(RegistryPattern.Parse).ToArray();
        if (!approved.Any(p => p.Admits(parsed)))
        {
            findings.Reject(RuleIds.ImageRegistry, $"{where}: image '{parsed}' is not from an approved registry (approved: {string.Join(", ", approved.Select(a => a.ToString()))})");
        }

        // A digest pins the content whatever the tag says, so it is always accepted.
        if (context.IsProduction && parsed.Digest is null && (parsed.Tag is null || settings.IsMutableTag(parsed.Tag)))
        {
            findings.Reject(RuleIds.MutableTag, $"{where}: tag '{parsed.Tag ?? "latest (implicit)"}' is mutable and not allowed in production namespace '{context.TargetNamespace}'; use a version tag or a digest");
        }

        findings.RaiseRisk(context.IsProduction ? RiskLevel.High : RiskLevel.Medium);
    }
}
