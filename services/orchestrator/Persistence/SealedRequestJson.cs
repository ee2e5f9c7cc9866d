using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Orchestrator.Api;
using K8sAgentPlatform.Orchestrator.StateMachines;
using K8sAgentPlatform.Persistence.Protection;

namespace K8sAgentPlatform.Orchestrator.Persistence;

/// <summary>
/// The stored form of a saga instance whose intent writes secret values (an update_config of a Secret, Secret data in
/// a manifest): the stored body has every such value masked (its text, its intent, every other string), and the whole
/// instance is kept beside it sealed with the object protector, bound to the request id. Loading opens the sealed copy,
/// so the saga still executes exactly what was approved; reading the database shows no value. Instances without
/// secret values are stored as they are.
/// </summary>
public sealed class SealedRequestJson(IObjectProtector protector)
{
    private const string SealedProperty = "sealed";

    public string Serialize(RequestState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var json = RequestStateJson.Serialize(state);
        var redactor = SecretRedactor.For(state.IntentJson);
        if (!redactor.HasSecrets)
        {
            return json;
        }

        var masked = JsonNode.Parse(json)!.AsObject();
        MaskStrings(masked, redactor);
        // The intent is JSON inside a string: its values are escaped there, so mask it as an intent, not as text.
        masked["intentJson"] = IntentJson.Serialize(redactor.Redact(IntentJson.Parse(state.IntentJson!)));
        masked[SealedProperty] = protector.Protect(json, Context(state.CorrelationId));
        return masked.ToJsonString();
    }

    /// <summary>Throws <see cref="ObjectProtectionException"/> when a sealed instance cannot be opened (another key, or moved to another request).</summary>
    public RequestState Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var (sealedBody, id) = ReadSealed(json);
        if (sealedBody is null)
        {
            return RequestStateJson.Deserialize(json);
        }

        return RequestStateJson.Deserialize(protector.Unprotect(sealedBody, Context(id ?? throw new InvalidDataException("A sealed request has no correlationId."))));
    }

    /// <summary>The sealed copy and the request id, read from the top level without building a document (most instances have none).</summary>
    private static (string? Sealed, Guid? Id) ReadSealed(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidDataException("A stored request is not a JSON object.");
        }

        string? sealedBody = null;
        Guid? id = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isSealed = reader.ValueTextEquals(SealedProperty);
            var isId = reader.ValueTextEquals("correlationId");
            reader.Read();
            if (isSealed && reader.TokenType == JsonTokenType.String)
            {
                sealedBody = reader.GetString();
            }
            else if (isId && reader.TokenType == JsonTokenType.String && reader.TryGetGuid(out var guid))
            {
                id = guid;
            }
            else
            {
                reader.Skip();
            }
        }

        return (sealedBody, id);
    }

    private static string Context(Guid id) => $"request:{id:D}";

    private static void MaskStrings(JsonNode? node, SecretRedactor redactor)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (child is JsonValue value && value.TryGetValue<string>(out var text))
                    {
                        obj[name] = redactor.Redact(text);
                    }
                    else
                    {
                        MaskStrings(child, redactor);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue value && value.TryGetValue<string>(out var text))
                    {
                        array[i] = redactor.Redact(text);
                    }
                    else
                    {
                        MaskStrings(array[i], redactor);
                    }
                }

                break;
        }
    }
}
