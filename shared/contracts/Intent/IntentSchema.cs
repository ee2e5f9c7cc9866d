using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace K8sAgentPlatform.Contracts.Intent;

/// <summary>
/// The JSON schema of <see cref="KubernetesIntent"/> in the subset OpenAI's strict structured outputs
/// accept: every object closed (additionalProperties false), every property required, optional fields as a
/// union with null, enums for categorical fields, and only the keywords strict mode supports. Lengths and
/// byte sizes, which strict mode cannot carry, are stated in descriptions and re-checked by
/// <see cref="IntentValidator"/>.
/// </summary>
public static class IntentSchema
{
    public const string Name = "kubernetes_intent";

    private static readonly Lazy<string> Text = new(() => Build().ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

    /// <summary>The schema as indented JSON text.</summary>
    public static string Json => Text.Value;

    public static JsonObject Build() => ObjectSchema(typeof(KubernetesIntent));

    private static JsonObject ObjectSchema(Type type)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var property in ContractMetadata.PropertiesOf(type))
        {
            properties[property.JsonName] = PropertySchema(property);
            required.Add(property.JsonName);
        }

        var schema = new JsonObject { ["type"] = "object" };
        if (ContractMetadata.DescriptionOf(type) is { } description)
        {
            schema["description"] = description;
        }

        schema["properties"] = properties;
        schema["required"] = required;
        schema["additionalProperties"] = false;
        return schema;
    }

    private static JsonObject PropertySchema(ContractProperty property)
    {
        JsonObject schema;
        if (property.ValueType == typeof(OperationParameters))
        {
            var variants = new JsonArray();
            foreach (var variant in OperationRules.AllParameterTypes)
            {
                variants.Add(ObjectSchema(variant));
            }

            variants.Add(new JsonObject { ["type"] = "null" });
            schema = new JsonObject { ["anyOf"] = variants };
        }
        else if (property.ValueType == typeof(IReadOnlyList<KubernetesOperation>))
        {
            schema = new JsonObject { ["type"] = "array", ["items"] = ObjectSchema(typeof(KubernetesOperation)) };
            if (property.Length is { } length)
            {
                schema["minItems"] = length.MinimumLength;
                schema["maxItems"] = length.MaximumLength;
            }
        }
        else
        {
            var (jsonType, values) = Scalar(property.ValueType);
            schema = new JsonObject { ["type"] = property.IsNullable ? new JsonArray(jsonType, "null") : jsonType };
            if (values is not null)
            {
                schema["enum"] = new JsonArray(values.Select(v => (JsonNode)v).ToArray());
            }

            if (property.Range is { } range)
            {
                schema["minimum"] = Convert.ToInt64(range.Minimum, CultureInfo.InvariantCulture);
                var max = Convert.ToInt64(range.Maximum, CultureInfo.InvariantCulture);
                if (max != int.MaxValue)
                {
                    schema["maximum"] = max;
                }
            }

            if (property.Format is { } format)
            {
                schema["pattern"] = format.Pattern;
            }
        }

        var description = property.Description;
        if (property.ValueType == typeof(string) && property.Length is { } textLength)
        {
            description = $"{description} Length {textLength.MinimumLength} to {textLength.MaximumLength} characters.".Trim();
        }

        if (description is not null)
        {
            schema["description"] = description;
        }

        return schema;
    }

    private static (string Type, IReadOnlyList<string>? Values) Scalar(Type type) =>
        type == typeof(string) ? ("string", null)
        : type == typeof(int) ? ("integer", null)
        : type == typeof(bool) ? ("boolean", null)
        : type == typeof(OperationType) ? ("string", WireNames.All<OperationType>())
        : type == typeof(ResourceType) ? ("string", WireNames.All<ResourceType>())
        : type == typeof(RiskLevel) ? ("string", WireNames.All<RiskLevel>())
        : throw new InvalidOperationException($"The schema generator has no mapping for {type}.");
}
