using System.Text.Json;
using System.Text.Json.Nodes;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Orchestrator.Api;

/// <summary>
/// Keeps secret values out of every response. An update_config on a Secret carries its new value in the
/// intent, and the same value may appear verbatim in the request's text, the summary or a detail line, so
/// the value is masked wherever it occurs, not only in its field.
/// </summary>
public sealed class SecretRedactor
{
    public const string Mask = "(redacted)";

    public static readonly SecretRedactor None = new([]);

    private readonly IReadOnlyList<string> values;

    private SecretRedactor(IReadOnlyList<string> values) => this.values = values;

    public static SecretRedactor For(KubernetesIntent? intent) => intent is null
        ? None
        : new SecretRedactor(intent.Operations.SelectMany(SecretValues).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal)
            .OrderByDescending(v => v.Length).ToList()); // longest first, so a value containing another is masked whole

    public static SecretRedactor For(string? intentJson) =>
        intentJson is not null && IntentJson.TryParse(intentJson, out var intent, out _) ? For(intent) : None;

    public bool HasSecrets => values.Count > 0;

    public string? Redact(string? text)
    {
        if (text is null || values.Count == 0)
        {
            return text;
        }

        foreach (var value in values)
        {
            text = text.Replace(value, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    public IReadOnlyList<string> Redact(IEnumerable<string> texts) => texts.Select(t => Redact(t)!).ToList();

    public KubernetesIntent Redact(KubernetesIntent intent) => intent with
    {
        OriginalRequest = Redact(intent.OriginalRequest)!,
        Summary = Redact(intent.Summary)!,
        Operations = intent.Operations.Select(Redact).ToList(),
    };

    public KubernetesOperation Redact(KubernetesOperation operation) => operation with
    {
        Reason = Redact(operation.Reason)!,
        Parameters = operation.Parameters switch
        {
            UpdateConfigParameters p when SecretValue(operation) is not null => p with { Value = Mask },
            ApplyManifestParameters { Manifest: { } manifest } p => p with { Manifest = ManifestSecrets.Mask(manifest) },
            var other => other,
        },
    };

    /// <summary>The value an operation writes into a Secret, if it does.</summary>
    public static string? SecretValue(KubernetesOperation operation) =>
        operation is { OperationType: OperationType.UpdateConfig, ResourceType: ResourceType.Secret, Parameters: UpdateConfigParameters p } ? p.Value : null;

    /// <summary>Every secret value an operation carries: an update_config of a Secret, or the data of Secrets in a manifest.</summary>
    public static IEnumerable<string> SecretValues(KubernetesOperation operation) => operation switch
    {
        _ when SecretValue(operation) is { } value => [value],
        { Parameters: ApplyManifestParameters { Manifest: { } manifest } } => ManifestSecrets.Values(manifest),
        _ => [],
    };

    /// <summary>A stored object as JSON for a response: a Secret keeps its keys, never its values.</summary>
    public static JsonElement? RedactObject(string kind, string? objectJson)
    {
        if (objectJson is null)
        {
            return null;
        }

        var node = JsonNode.Parse(objectJson);
        if (string.Equals(kind, "Secret", StringComparison.Ordinal) && node is JsonObject secret)
        {
            MaskSecret(secret);
        }

        // A multi-document manifest's snapshot holds every object it touched; a Secret among them keeps its keys only.
        if (node is JsonObject several && several["items"] is JsonArray items)
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                if (item["object"] is JsonObject { } obj && obj["kind"]?.GetValueKind() == JsonValueKind.String && obj["kind"]!.GetValue<string>() == "Secret")
                {
                    MaskSecret(obj);
                }
            }
        }

        return JsonSerializer.SerializeToElement(node);
    }

    private static void MaskSecret(JsonObject secret)
    {
        foreach (var field in new[] { "data", "stringData" })
        {
            if (secret[field] is JsonObject values)
            {
                foreach (var key in values.Select(p => p.Key).ToList())
                {
                    values[key] = Mask;
                }
            }
        }

        // kubectl apply keeps the whole last applied object, values included, in an annotation.
        if (secret["metadata"]?["annotations"] is JsonObject annotations && annotations.ContainsKey(LastApplied))
        {
            annotations[LastApplied] = Mask;
        }
    }

    internal const string LastApplied = "kubectl.kubernetes.io/last-applied-configuration";
}
