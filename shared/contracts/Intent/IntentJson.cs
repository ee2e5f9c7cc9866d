using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace K8sAgentPlatform.Contracts.Intent;

/// <summary>
/// Reads and writes the intent's JSON form (the brief's snake_case shape). Reading is strict: unknown
/// fields, parameters that do not fit the operation type and every broken bound are reported together.
/// </summary>
public static class IntentJson
{
    private static readonly JsonWriterOptions IndentedWriter = new() { Indented = true };

    /// <summary>Reads an intent, or returns every problem found. Never throws on bad input.</summary>
    public static bool TryParse(string json, out KubernetesIntent? intent, out IReadOnlyList<ValidationError> errors)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            intent = null;
            errors = [new ValidationError("", $"not valid JSON: {e.Message}")];
            return false;
        }

        using (document)
        {
            return TryRead(document.RootElement, out intent, out errors);
        }
    }

    /// <summary>Reads an intent from a parsed element, or returns every problem found.</summary>
    public static bool TryRead(JsonElement element, out KubernetesIntent? intent, out IReadOnlyList<ValidationError> errors)
    {
        var found = new List<ValidationError>();
        intent = new ContractReader(found).ReadIntent(element);
        if (intent is not null)
        {
            var unreadable = found.Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
            found.AddRange(IntentValidator.Validate(intent, unreadable));
        }

        errors = found;
        if (found.Count > 0)
        {
            intent = null;
            return false;
        }

        return true;
    }

    /// <summary>Reads an intent; throws <see cref="IntentValidationException"/> with every problem.</summary>
    public static KubernetesIntent Parse(string json) =>
        TryParse(json, out var intent, out var errors) ? intent! : throw new IntentValidationException(errors);

    public static string Serialize(KubernetesIntent intent, bool indented = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, indented ? IndentedWriter : default))
        {
            ContractWriter.Write(writer, intent);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static void Write(Utf8JsonWriter writer, KubernetesIntent intent) => ContractWriter.Write(writer, intent);
}

/// <summary>Lets System.Text.Json (and so MassTransit) carry intents in their canonical, checked form.</summary>
public sealed class IntentJsonConverter : JsonConverter<KubernetesIntent>
{
    public override KubernetesIntent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return IntentJson.TryRead(document.RootElement, out var intent, out var errors)
            ? intent!
            : throw new JsonException("Invalid intent: " + string.Join("; ", errors), new IntentValidationException(errors));
    }

    public override void Write(Utf8JsonWriter writer, KubernetesIntent value, JsonSerializerOptions options) =>
        ContractWriter.Write(writer, value);
}

/// <summary>Carries a single operation (e.g. in ExecuteOperation) in its canonical, checked form.</summary>
public sealed class OperationJsonConverter : JsonConverter<KubernetesOperation>
{
    public override KubernetesOperation Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var errors = new List<ValidationError>();
        var operation = new ContractReader(errors).ReadOperation(document.RootElement, "operation");
        if (operation is not null && errors.Count == 0)
        {
            errors.AddRange(IntentValidator.ValidateOperation(operation));
        }

        return errors.Count == 0
            ? operation!
            : throw new JsonException("Invalid operation: " + string.Join("; ", errors), new IntentValidationException(errors));
    }

    public override void Write(Utf8JsonWriter writer, KubernetesOperation value, JsonSerializerOptions options) =>
        ContractWriter.Write(writer, value);
}

internal static class ContractWriter
{
    public static void Write(Utf8JsonWriter writer, object value)
    {
        writer.WriteStartObject();
        foreach (var property in ContractMetadata.PropertiesOf(value.GetType()))
        {
            writer.WritePropertyName(property.JsonName);
            WriteValue(writer, property.Get(value));
        }

        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(s); break;
            case int i: writer.WriteNumberValue(i); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case OperationType o: writer.WriteStringValue(WireNames.Of(o)); break;
            case ResourceType r: writer.WriteStringValue(WireNames.Of(r)); break;
            case RiskLevel r: writer.WriteStringValue(WireNames.Of(r)); break;
            case IEnumerable<KubernetesOperation> operations:
                writer.WriteStartArray();
                foreach (var operation in operations)
                {
                    Write(writer, operation);
                }

                writer.WriteEndArray();
                break;
            default: Write(writer, value); break;
        }
    }
}
