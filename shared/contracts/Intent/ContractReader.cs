using System.Text.Json;

namespace K8sAgentPlatform.Contracts.Intent;

/// <summary>
/// Reads contract objects from JSON by their declared properties, collecting every problem with its path
/// instead of stopping at the first. Parameters are read as the variant that the operation type names.
/// </summary>
internal sealed class ContractReader(List<ValidationError> errors)
{
    public KubernetesIntent? ReadIntent(JsonElement element) =>
        (KubernetesIntent?)ReadObject(typeof(KubernetesIntent), element, "", null);

    public KubernetesOperation? ReadOperation(JsonElement element, string path) =>
        (KubernetesOperation?)ReadObject(typeof(KubernetesOperation), element, path, null);

    private object? ReadObject(Type type, JsonElement element, string path, OperationType? operationType)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Add(path, $"must be a JSON object, got {Describe(element)}");
            return null;
        }

        var properties = ContractMetadata.PropertiesOf(type);
        var known = properties.ToDictionary(p => p.JsonName, StringComparer.Ordinal);
        foreach (var field in element.EnumerateObject())
        {
            if (!known.ContainsKey(field.Name))
            {
                Add(Join(path, field.Name), UnknownFieldMessage(type, operationType, properties));
            }
        }

        var instance = Activator.CreateInstance(type)!;
        var complete = true;
        OperationType? ownOperationType = null;
        foreach (var property in properties)
        {
            var fieldPath = Join(path, property.JsonName);
            if (!element.TryGetProperty(property.JsonName, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                if (property.ValueType == typeof(OperationParameters))
                {
                    var defaults = DefaultParameters(ownOperationType, fieldPath);
                    property.Info.SetValue(instance, defaults);
                    complete &= defaults is not null || ownOperationType is null || OperationRules.ParametersFor(ownOperationType.Value) is null;
                    continue;
                }

                if (!property.IsNullable)
                {
                    Add(fieldPath, value.ValueKind == JsonValueKind.Null ? "must not be null" : "is required");
                    complete = false;
                }

                continue;
            }

            var read = ReadValue(property, value, fieldPath, ownOperationType, out var ok);
            complete &= ok;
            if (ok)
            {
                property.Info.SetValue(instance, read);
                if (read is OperationType op)
                {
                    ownOperationType = op;
                }
            }
        }

        // A partly read object is still returned so that the validator can check the bounds of what
        // was readable: the user then sees every problem at once, not one round at a time.
        Incomplete |= !complete;
        return instance;
    }

    /// <summary>True when some object could not be read whole (its errors are already reported).</summary>
    public bool Incomplete { get; private set; }

    private object? ReadValue(ContractProperty property, JsonElement value, string path, OperationType? operationType, out bool ok)
    {
        ok = true;
        var type = property.ValueType;
        if (type == typeof(string))
        {
            if (value.ValueKind == JsonValueKind.String)
            {
                return value.GetString();
            }
        }
        else if (type == typeof(int))
        {
            if (value.ValueKind == JsonValueKind.Number)
            {
                if (value.TryGetInt32(out var number))
                {
                    return number;
                }

                ok = false;
                Add(path, $"must be a whole number{RangeText(property)}, got {value.GetRawText()}");
                return null;
            }
        }
        else if (type == typeof(bool))
        {
            if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return value.GetBoolean();
            }
        }
        else if (type.IsEnum)
        {
            return ReadEnum(type, value, path, out ok);
        }
        else if (type == typeof(IReadOnlyList<KubernetesOperation>))
        {
            if (value.ValueKind == JsonValueKind.Array)
            {
                var list = new List<KubernetesOperation>();
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (ReadObject(typeof(KubernetesOperation), item, $"{path}[{index}]", null) is KubernetesOperation operation)
                    {
                        list.Add(operation);
                    }

                    index++;
                }

                return list;
            }
        }
        else if (type == typeof(OperationParameters))
        {
            return ReadParameters(value, path, operationType, out ok);
        }

        ok = false;
        Add(path, $"must be {Expected(type)}, got {Describe(value)}");
        return null;
    }

    private object? ReadEnum(Type type, JsonElement value, string path, out bool ok)
    {
        ok = false;
        var names = EnumNames(type);
        if (value.ValueKind == JsonValueKind.String)
        {
            var name = value.GetString();
            foreach (var candidate in Enum.GetValues(type))
            {
                if (EnumName(candidate) == name)
                {
                    ok = true;
                    return candidate;
                }
            }

            Add(path, $"must be one of {string.Join(", ", names)}; got \"{name}\"");
            return null;
        }

        Add(path, $"must be one of {string.Join(", ", names)}; got {Describe(value)}");
        return null;
    }

    private OperationParameters? ReadParameters(JsonElement value, string path, OperationType? operationType, out bool ok)
    {
        ok = true;
        if (operationType is null)
        {
            return null; // the operation type was itself invalid and is already reported
        }

        var variant = OperationRules.ParametersFor(operationType.Value);
        if (variant is null)
        {
            if (value.ValueKind == JsonValueKind.Object && !value.EnumerateObject().Any())
            {
                return null; // {} says the same as null
            }

            ok = false;
            Add(path, $"{WireNames.Of(operationType.Value)} takes no parameters; set parameters to null");
            return null;
        }

        return (OperationParameters?)ReadObject(variant, value, path, operationType);
    }

    private OperationParameters? DefaultParameters(OperationType? operationType, string path)
    {
        if (operationType is null || OperationRules.ParametersFor(operationType.Value) is not { } variant)
        {
            return null;
        }

        var required = ContractMetadata.PropertiesOf(variant).Where(p => !p.IsNullable).Select(p => p.JsonName).ToList();
        if (required.Count > 0)
        {
            Add(path, $"{WireNames.Of(operationType.Value)} needs parameters {{{string.Join(", ", required)}}}");
            return null;
        }

        return (OperationParameters)Activator.CreateInstance(variant)!;
    }

    private static string UnknownFieldMessage(Type type, OperationType? operationType, IReadOnlyList<ContractProperty> properties)
    {
        var allowed = string.Join(", ", properties.Select(p => p.JsonName));
        return operationType is { } op
            ? $"not a parameter of {WireNames.Of(op)} ({WireNames.Of(op)} takes {allowed})"
            : $"unknown field (allowed: {allowed})";
    }

    private static string RangeText(ContractProperty property) =>
        property.Range is { } r ? $" between {r.Minimum} and {r.Maximum}" : "";

    private static string Expected(Type type) =>
        type == typeof(string) ? "a string"
        : type == typeof(int) ? "a whole number"
        : type == typeof(bool) ? "true or false"
        : type == typeof(IReadOnlyList<KubernetesOperation>) ? "an array"
        : "a JSON object";

    internal static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    private static IEnumerable<string> EnumNames(Type type) => Enum.GetValues(type).Cast<object>().Select(EnumName);

    private static string EnumName(object value) => value switch
    {
        OperationType o => WireNames.Of(o),
        ResourceType r => WireNames.Of(r),
        RiskLevel r => WireNames.Of(r),
        _ => value.ToString()!,
    };

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private void Add(string path, string message) => errors.Add(new ValidationError(path, message));
}
