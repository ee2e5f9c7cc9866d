using System.Text;
using System.Text.Json;
using MongoDB.Bson;

namespace K8sAgentPlatform.Persistence.Mongo;

/// <summary>
/// JSON objects (a Kubernetes object, an operation) as nested BSON documents and back, written by hand so the
/// stored shape is plain JSON types (no extended-JSON wrappers) and reads back as compact JSON with the same
/// names, order and values.
/// </summary>
public static class BsonJson
{
    public static BsonDocument ToDocument(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind == JsonValueKind.Object
            ? (BsonDocument)ToValue(document.RootElement)
            : throw new ArgumentException("Only a JSON object becomes a BSON document.", nameof(json));
    }

    public static string ToJson(BsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, document);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static BsonValue ToValue(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var document = new BsonDocument();
                foreach (var property in element.EnumerateObject())
                {
                    document.Add(property.Name, ToValue(property.Value));
                }

                return document;
            case JsonValueKind.Array:
                var array = new BsonArray();
                foreach (var item in element.EnumerateArray())
                {
                    array.Add(ToValue(item));
                }

                return array;
            case JsonValueKind.String:
                return new BsonString(element.GetString()!);
            case JsonValueKind.Number:
                if (element.TryGetInt32(out var int32))
                {
                    return new BsonInt32(int32);
                }

                return element.TryGetInt64(out var int64) ? new BsonInt64(int64) : new BsonDouble(element.GetDouble());
            case JsonValueKind.True:
                return BsonBoolean.True;
            case JsonValueKind.False:
                return BsonBoolean.False;
            default:
                return BsonNull.Value;
        }
    }

    private static void Write(Utf8JsonWriter writer, BsonValue value)
    {
        switch (value.BsonType)
        {
            case BsonType.Document:
                writer.WriteStartObject();
                foreach (var element in value.AsBsonDocument)
                {
                    writer.WritePropertyName(element.Name);
                    Write(writer, element.Value);
                }

                writer.WriteEndObject();
                break;
            case BsonType.Array:
                writer.WriteStartArray();
                foreach (var item in value.AsBsonArray)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case BsonType.String: writer.WriteStringValue(value.AsString); break;
            case BsonType.Int32: writer.WriteNumberValue(value.AsInt32); break;
            case BsonType.Int64: writer.WriteNumberValue(value.AsInt64); break;
            case BsonType.Double: writer.WriteNumberValue(value.AsDouble); break;
            case BsonType.Decimal128: writer.WriteNumberValue((decimal)value.AsDecimal128); break;
            case BsonType.Boolean: writer.WriteBooleanValue(value.AsBoolean); break;
            case BsonType.Null: writer.WriteNullValue(); break;
            default: throw new InvalidDataException($"A stored object holds a BSON {value.BsonType}, which has no JSON form here.");
        }
    }
}
