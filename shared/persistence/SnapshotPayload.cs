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
    public static bool MustProtect(SnapshotDocument snapshot) =>
        string.Equals(snapshot.Kind, "Secret", StringComparison.Ordinal)
        || snapshot.Operation.ResourceType == ResourceType.Secret;

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

    private static string Context(string snapshotId) => "snapshot:" + snapshotId;
}
