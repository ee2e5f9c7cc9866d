using System.Security.Cryptography;
using K8sAgentPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Security;

/// <summary>Why an authorization was refused; the code is the <c>reason</c> label of k8s_agent_operations_refused_total.</summary>
public sealed record AuthorizationRefusal(string Code, string Message)
{
    public override string ToString() => $"authorization {Code}: {Message}";
}

/// <summary>What a verifier expects an authorization to cover: the message it came with.</summary>
public sealed record AuthorizationTarget(Guid RequestId, int OperationIndex, string Subject, string OperationHash, string? ResourceVersion);

/// <summary>
/// Checks an authorization against the trusted public keys and the message it came with: present, signed by a
/// trusted key, not expired, and for exactly this request, operation, change and resourceVersion.
/// (Whether it was used already is the caller's to know: the executor's execution records, the snapshot's consumed flag.)
/// </summary>
public sealed class AuthorizationVerifier : IDisposable
{
    private readonly Dictionary<string, ECDsa> keys = new(StringComparer.Ordinal);
    private readonly TimeProvider time;

    public AuthorizationVerifier(IOptions<AuthorizationOptions> options, TimeProvider time)
    {
        this.time = time;
        // A host running both the executor and the rollback service binds the section twice, listing each file twice.
        foreach (var path in options.Value.VerificationKeyFiles.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal))
        {
            var key = AuthorizationKeys.Load(path);
            if (!keys.TryAdd(AuthorizationKeys.KeyId(key), key))
            {
                key.Dispose();
            }
        }
    }

    public IReadOnlyCollection<string> TrustedKeyIds => keys.Keys;

    /// <summary>Null when the authorization is valid for <paramref name="target"/>; otherwise why not.</summary>
    public AuthorizationRefusal? Check(OperationAuthorization? authorization, AuthorizationTarget target)
    {
        if (authorization is null)
        {
            return new("missing", "the command carries no authorization; only the orchestrator's saga can order a change");
        }

        if (!keys.TryGetValue(authorization.KeyId ?? "", out var key))
        {
            return new("unknown_key", $"key {authorization.KeyId} is not one this service trusts");
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(authorization.Signature ?? "");
        }
        catch (FormatException)
        {
            return new("invalid_signature", "the signature is not base64");
        }

        if (!key.VerifyData(AuthorizationCanonical.Payload(authorization), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return new("invalid_signature", "the signature does not match the authorization (altered or forged)");
        }

        if (authorization.ExpiresAt <= time.GetUtcNow())
        {
            return new("expired", $"it expired at {authorization.ExpiresAt:u}");
        }

        var mismatch = authorization.RequestId != target.RequestId ? $"request {authorization.RequestId}, not {target.RequestId}"
            : authorization.OperationIndex != target.OperationIndex ? $"operation {authorization.OperationIndex}, not {target.OperationIndex}"
            : !string.Equals(authorization.Subject, target.Subject, StringComparison.Ordinal) ? $"a {authorization.Subject}, not a {target.Subject}"
            : !string.Equals(authorization.OperationHash, target.OperationHash, StringComparison.Ordinal) ? "another change than the one in the command"
            : !string.Equals(authorization.ResourceVersion, target.ResourceVersion, StringComparison.Ordinal)
                ? $"resourceVersion {authorization.ResourceVersion ?? "(none)"}, not {target.ResourceVersion ?? "(none)"}"
            : null;
        return mismatch is null ? null : new("mismatch", $"it authorizes {mismatch}");
    }

    public void Dispose()
    {
        foreach (var key in keys.Values)
        {
            key.Dispose();
        }
    }
}
