using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Security;

/// <summary>The exact bytes that are hashed and signed; the signer and the verifiers share this one definition.</summary>
public static class AuthorizationCanonical
{
    /// <summary>SHA-256 (hex) of an operation in the intent model's canonical JSON (properties in contract order).</summary>
    public static string OperationHash(KubernetesOperation operation) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(operation)));

    /// <summary>SHA-256 (hex) of what a restore touches: the snapshot, or the resource whose latest snapshot it is.</summary>
    public static string RestoreHash(RollbackRequested restore)
    {
        var target = restore.SnapshotId is { } id
            ? $"snapshot:{id}"
            : restore.Resource is { } r ? $"resource:{WireNames.Of(r.ResourceType)}/{r.Namespace}/{r.Name}" : "none";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{target}|operation:{restore.OperationIndex}")));
    }

    public static byte[] Payload(OperationAuthorization a) => Encoding.UTF8.GetBytes(string.Join('\n',
        "k8s-agent-authorization/v1",
        a.Id.ToString("D"),
        a.RequestId.ToString("D"),
        a.OperationIndex.ToString(CultureInfo.InvariantCulture),
        a.Subject,
        a.OperationHash,
        a.ResourceVersion ?? "",
        a.VerdictsHash,
        string.Join(',', a.ConfirmedBy),
        a.ExpiresAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        a.KeyId));
}
