using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation;

/// <summary>Pod template identity: the hashes controllers put in pod-template-hash and controller-revision-hash.</summary>
internal static class Templates
{
    public const string PodTemplateHash = "pod-template-hash";
    public const string ControllerRevisionHash = "controller-revision-hash";
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>The template without the labels controllers add, so a deployment's and its replicaset's compare equal.</summary>
    public static JsonObject Normalize(JsonNode? template)
    {
        var copy = template as JsonObject is { } t ? t.CloneObject() : new JsonObject();
        if (copy.At("metadata", "labels") is JsonObject labels)
        {
            labels.Remove(PodTemplateHash);
            labels.Remove(ControllerRevisionHash);
        }
        return copy;
    }

    public static bool SameTemplate(JsonNode? a, JsonNode? b) => Canonical(Normalize(a)) == Canonical(Normalize(b));

    public static string Hash(JsonNode? template) => HashText(Canonical(Normalize(template)));

    /// <summary>FNV-1a, spelled with the alphabet Kubernetes uses for generated name suffixes; stable across runs.</summary>
    public static string HashText(string text)
    {
        uint hash = 2166136261;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619;
        }
        return string.Concat(hash.ToString().Select(c => Alphabet[c % Alphabet.Length]));
    }

    /// <summary>JSON with object keys sorted, so key order from patches does not change identity.</summary>
    public static string Canonical(JsonNode? node)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, node);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                writer.WriteStartObject();
                foreach (var (key, value) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray a:
                writer.WriteStartArray();
                foreach (var item in a)
                {
                    Write(writer, item);
                }
                writer.WriteEndArray();
                break;
            case null:
                writer.WriteNullValue();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
