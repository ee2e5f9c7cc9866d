using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace K8sAgentPlatform.Contracts.Intent;

/// <summary>
/// Checks every bound of an intent and returns all violations with their paths. Bounds come from the
/// attributes on the model (the same ones the JSON schema is generated from); the rules here add what a
/// schema cannot say: parameters that fit the operation, namespaces of cluster-scoped objects, and the
/// intent-level rule against deletes across namespaces.
/// </summary>
public static class IntentValidator
{
    private static readonly ConcurrentDictionary<string, Regex> Patterns = new();

    // Paths of the operations an intent may hold, built once: validation runs on every parse and every message.
    private static readonly string[] OperationPaths = Enumerable.Range(0, Bounds.MaxOperations + 1).Select(i => $"operations[{i}]").ToArray();
    private static readonly string[] ParameterPaths = OperationPaths.Select(p => $"{p}.parameters").ToArray();

    public static IReadOnlyList<ValidationError> Validate(KubernetesIntent intent) => Validate(intent, null);

    /// <param name="intent">The intent, possibly read only in part.</param>
    /// <param name="unreadable">Paths the reader could not read (already reported): their fields are not
    /// checked again, and an operation with any of them skips the cross-field rules, whose inputs are unknown.</param>
    internal static IReadOnlyList<ValidationError> Validate(KubernetesIntent intent, IReadOnlySet<string>? unreadable)
    {
        var errors = new List<ValidationError>();
        CheckBounds(intent, "", errors);
        var operations = intent.Operations ?? [];
        for (var i = 0; i < operations.Count; i++)
        {
            var operation = operations[i];
            if (operation is null)
            {
                errors.Add(new ValidationError($"operations[{i}]", "must not be null"));
                continue;
            }

            var path = i < OperationPaths.Length ? OperationPaths[i] : $"operations[{i}]";
            if (unreadable is null || !unreadable.Any(p => p.StartsWith(path + ".", StringComparison.Ordinal)))
            {
                CheckOperation(operation, path, i, errors);
            }
            else
            {
                CheckBounds(operation, path, errors);
                if (operation.Parameters is not null)
                {
                    CheckBounds(operation.Parameters, ParametersPath(path, i), errors);
                }
            }
        }

        if (unreadable is not null)
        {
            errors.RemoveAll(e => unreadable.Contains(e.Path) || e.Message == "is required" && unreadable.Any(u => e.Path.StartsWith(u, StringComparison.Ordinal)));
        }

        if (HasDelete(operations) && SpansNamespaces(operations))
        {
            errors.Add(new ValidationError("operations", "delete operations are not allowed in an intent that spans several namespaces; send one intent per namespace"));
        }

        return errors;
    }

    /// <summary>Checks one operation on its own (as carried by ExecuteOperation).</summary>
    public static IReadOnlyList<ValidationError> ValidateOperation(KubernetesOperation operation, string path = "operation")
    {
        var errors = new List<ValidationError>();
        CheckOperation(operation, path, -1, errors);
        return errors;
    }

    private static void CheckOperation(KubernetesOperation operation, string path, int index, List<ValidationError> errors)
    {
        CheckBounds(operation, path, errors);
        if (operation.Parameters is not null)
        {
            CheckBounds(operation.Parameters, ParametersPath(path, index), errors);
        }

        CheckOperationRules(operation, path, errors);
    }

    private static string ParametersPath(string path, int index) =>
        index >= 0 && index < ParameterPaths.Length ? ParameterPaths[index] : $"{path}.parameters";

    private static bool HasDelete(IReadOnlyList<KubernetesOperation> operations)
    {
        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i]?.OperationType == OperationType.Delete)
            {
                return true;
            }
        }

        return false;
    }

    private static bool SpansNamespaces(IReadOnlyList<KubernetesOperation> operations)
    {
        string? first = null;
        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i] is not { } operation)
            {
                continue;
            }

            var ns = operation.Namespace ?? "";
            if (first is null)
            {
                first = ns;
            }
            else if (!string.Equals(first, ns, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public static void ThrowIfInvalid(KubernetesIntent intent)
    {
        var errors = Validate(intent);
        if (errors.Count > 0)
        {
            throw new IntentValidationException(errors);
        }
    }

    private static void CheckOperationRules(KubernetesOperation operation, string path, List<ValidationError> errors)
    {
        var op = WireNames.Of(operation.OperationType);
        var fits = OperationRules.ResourcesFor(operation.OperationType);
        if (!fits.Contains(operation.ResourceType))
        {
            errors.Add(new ValidationError($"{path}.resource_type",
                $"{op} does not apply to {WireNames.Of(operation.ResourceType)} (it applies to {string.Join(", ", fits.Select(WireNames.Of))})"));
        }

        var variant = OperationRules.ParametersFor(operation.OperationType);
        if (operation.Parameters is { } parameters && parameters.GetType() != variant)
        {
            errors.Add(new ValidationError($"{path}.parameters", variant is null
                ? $"{op} takes no parameters; set parameters to null"
                : $"{op} takes {string.Join(", ", ContractMetadata.PropertiesOf(variant).Select(p => p.JsonName))}"));
        }
        else if (operation.Parameters is null && variant is not null && ContractMetadata.PropertiesOf(variant).Any(p => !p.IsNullable))
        {
            errors.Add(new ValidationError($"{path}.parameters",
                $"{op} needs parameters {{{string.Join(", ", ContractMetadata.PropertiesOf(variant).Where(p => !p.IsNullable).Select(p => p.JsonName))}}}"));
        }

        switch (operation.ResourceType)
        {
            case ResourceType.Node when operation.Namespace is not null:
                errors.Add(new ValidationError($"{path}.namespace", "nodes are not in a namespace; set namespace to null"));
                break;
            case ResourceType.Namespace when operation.Namespace is not null && operation.Namespace != operation.ResourceName:
                errors.Add(new ValidationError($"{path}.namespace", $"must be null or equal resource_name '{operation.ResourceName}' for a namespace"));
                break;
            case not (ResourceType.Node or ResourceType.Namespace) when operation.Namespace is null:
                errors.Add(new ValidationError($"{path}.namespace", $"is required for a {WireNames.Of(operation.ResourceType)}"));
                break;
        }

        switch (operation.Parameters)
        {
            case UpdateConfigParameters config when config.ConfigmapName != operation.ResourceName:
                errors.Add(new ValidationError($"{path}.parameters.configmap_name",
                    $"must equal resource_name '{operation.ResourceName}', got '{config.ConfigmapName}'"));
                break;
            case RollbackParameters { Revision: not null, SnapshotId: not null }:
                errors.Add(new ValidationError($"{path}.parameters", "give a revision or a snapshot_id, not both"));
                break;
        }
    }

    private static void CheckBounds(object owner, string path, List<ValidationError> errors)
    {
        var properties = ContractMetadata.PropertiesOf(owner.GetType());
        for (var p = 0; p < properties.Count; p++)
        {
            var property = properties[p];
            if (!property.IsNullable && property.ValueType.IsValueType && property.Range is null)
            {
                continue; // always present and nothing to check: reading it would only box it
            }

            // Built only for an error: validation runs on every parse and a valid intent needs no paths.
            string FieldPath() => path.Length == 0 ? property.JsonName : $"{path}.{property.JsonName}";
            var value = property.Get(owner);
            if (value is null)
            {
                if (!property.IsNullable)
                {
                    errors.Add(new ValidationError(FieldPath(), "is required"));
                }

                continue;
            }

            if (property.Range is { } range && value is int number)
            {
                var min = Convert.ToInt64(range.Minimum, System.Globalization.CultureInfo.InvariantCulture);
                var max = Convert.ToInt64(range.Maximum, System.Globalization.CultureInfo.InvariantCulture);
                if (number < min || number > max)
                {
                    errors.Add(new ValidationError(FieldPath(), max == int.MaxValue
                        ? $"must be at least {min}, got {number}"
                        : $"must be between {min} and {max}, got {number}"));
                }
            }

            if (property.Length is { } length)
            {
                var count = value switch
                {
                    string s => s.Length,
                    System.Collections.ICollection c => c.Count,
                    _ => -1,
                };
                var unit = value is string ? "characters" : "items";
                if (count >= 0 && (count < length.MinimumLength || count > length.MaximumLength))
                {
                    errors.Add(new ValidationError(FieldPath(), length.MinimumLength == 0
                        ? $"must be at most {length.MaximumLength} {unit}, got {count}"
                        : $"must be between {length.MinimumLength} and {length.MaximumLength} {unit}, got {count}"));
                    continue; // a format error on top of a length error adds nothing
                }
            }

            if (property.MaxBytes is { } maxBytes && value is string text && Encoding.UTF8.GetByteCount(text) > maxBytes.Bytes)
            {
                errors.Add(new ValidationError(FieldPath(), $"must be at most {maxBytes.Bytes} bytes, got {Encoding.UTF8.GetByteCount(text)}"));
            }

            if (property.Format is { } format && value is string formatted && !Matches(format.Pattern, formatted))
            {
                errors.Add(new ValidationError(FieldPath(), $"must be {format.Explanation}, got '{Printable(formatted)}'"));
            }
        }
    }

    // .NET's '$' also matches before a final newline; requiring the match to cover the whole value
    // keeps "web\n" out, as the JSON schema's ECMA semantics would.
    private static bool Matches(string pattern, string value)
    {
        var regex = Patterns.GetOrAdd(pattern, p => new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
        foreach (var match in regex.EnumerateMatches(value))
        {
            return match.Index == 0 && match.Length == value.Length; // the first match, as Match() would give, without allocating one
        }

        return false;
    }

    /// <summary>Shows invisible and look-alike characters as escapes so the user sees why a name was refused.</summary>
    internal static string Printable(string value)
    {
        var shown = value.Length > 80 ? value[..80] + "…" : value;
        var builder = new StringBuilder(shown.Length);
        foreach (var c in shown)
        {
            builder.Append(c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:x4}");
        }

        return builder.ToString();
    }
}
