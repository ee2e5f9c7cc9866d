using System.Text;
using System.Text.Json;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Persistence.Protection;

namespace K8sAgentPlatform.Persistence;

/// <summary>
/// The parts of a snapshot that may carry secret data (the object and the operation, whose parameters can hold
/// a Secret's new value or manifest) and how every store keeps them: in clear for ordinary objects, sealed
/// together into one protected value for Secrets.
/// </summary>
internal static class SnapshotPayload
{
    /// <summary>
    /// Secrets, and every apply_manifest snapshot: its operation carries the manifest text, which may hold a Secret's
    /// new data in any YAML spelling, and a multi-document snapshot ("ManifestObjects") may hold a Secret's previous data
    /// among its items. Telling those apart here would mean parsing YAML; sealing them all costs nothing, since the
    /// stores keep kind, namespace and name in clear for queries either way.
    /// </summary>
    public static bool MustProtect(SnapshotDocument snapshot) =>
        string.Equals(snapshot.Kind, "Secret", StringComparison.Ordinal)
        || snapshot.Operation.ResourceType == ResourceType.Secret
        || snapshot.Operation.OperationType == OperationType.ApplyManifest
        || HoldsSecret(snapshot.ObjectJson);

    // Whatever the operation says, an object or an item of a multi-object snapshot that is a Secret is sealed.
    private static bool HoldsSecret(string? objectJson)
    {
        if (objectJson is null || !objectJson.Contains("Secret", StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(objectJson);
            var root = document.RootElement;
            return IsSecret(root) || root.ValueKind == JsonValueKind.Object && root.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array
                && items.EnumerateArray().Any(i => i.ValueKind == JsonValueKind.Object && (IsSecret(i) || i.TryGetProperty("object", out var o) && IsSecret(o)));
        }
        catch (JsonException)
        {
            return true; // Validate refuses it anyway; never store in clear what could not be read
        }
    }

    private static bool IsSecret(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == "Secret";

    public static string OperationJson(KubernetesOperation operation) => JsonSerializer.Serialize(operation);

    public static KubernetesOperation ReadOperation(string json) =>
        JsonSerializer.Deserialize<KubernetesOperation>(json) ?? throw new InvalidDataException("A stored snapshot has a null operation.");

    /// <summary>Checks a snapshot before it is stored: the object, when present, must be a JSON object.</summary>
    public static void Validate(SnapshotDocument snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (!System.Text.RegularExpressions.Regex.IsMatch(snapshot.Id, Bounds.SnapshotIdPattern))
        {
            throw new ArgumentException($"Snapshot id '{snapshot.Id}' does not match {Bounds.SnapshotIdPattern}.", nameof(snapshot));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(snapshot.Kind);
        ArgumentException.ThrowIfNullOrWhiteSpace(snapshot.Name);
        ArgumentOutOfRangeException.ThrowIfNegative(snapshot.OperationIndex);
        if (snapshot.ObjectJson is null)
        {
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(snapshot.ObjectJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException("ObjectJson must be a JSON object.", nameof(snapshot));
            }
        }
        catch (JsonException e)
        {
            throw new ArgumentException("ObjectJson is not valid JSON.", nameof(snapshot), e);
        }
    }

    public static string Seal(IObjectProtector protector, SnapshotDocument snapshot)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("operation");
            JsonSerializer.Serialize(writer, snapshot.Operation);
            writer.WritePropertyName("object");
            if (snapshot.ObjectJson is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteStringValue(snapshot.ObjectJson);
            }

            writer.WriteEndObject();
        }

        return protector.Protect(Encoding.UTF8.GetString(buffer.ToArray()), Context(snapshot.Id));
    }

    public static (KubernetesOperation Operation, string? ObjectJson) Open(IObjectProtector protector, string snapshotId, string sealedValue)
    {
        using var document = JsonDocument.Parse(protector.Unprotect(sealedValue, Context(snapshotId)));
        var root = document.RootElement;
        var operation = root.GetProperty("operation").Deserialize<KubernetesOperation>()
            ?? throw new InvalidDataException($"Snapshot {snapshotId} has a null operation.");
        var objectJson = root.GetProperty("object") is { ValueKind: JsonValueKind.String } text ? text.GetString() : null;
        return (operation, objectJson);
    }

    /// <summary>The recorded after-state as stored: in clear, or sealed on its own when the snapshot is protected.</summary>
    public static string StoreAfter(IObjectProtector protector, SnapshotDocument snapshot, string afterJson) =>
        MustProtect(snapshot) ? protector.Protect(afterJson, AfterContext(snapshot.Id)) : afterJson;

    public static string ReadAfter(IObjectProtector protector, string snapshotId, bool isProtected, string stored) =>
        isProtected ? protector.Unprotect(stored, AfterContext(snapshotId)) : stored;

    private static string Context(string snapshotId) => "snapshot:" + snapshotId;

    private static string AfterContext(string snapshotId) => "snapshot-after:" + snapshotId;
}
