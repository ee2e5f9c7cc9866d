using System.Security.Cryptography;
using K8sAgentPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Security;

/// <summary>Signs authorizations with the orchestrator's private key (loaded once).</summary>
public sealed class AuthorizationSigner : IDisposable
{
    private readonly ECDsa key;
    private readonly TimeProvider time;
    private readonly AuthorizationOptions options;

    public AuthorizationSigner(IOptions<AuthorizationOptions> options, TimeProvider time)
    {
        this.options = options.Value;
        this.time = time;
        key = AuthorizationKeys.Load(this.options.SigningKeyFile
            ?? throw new InvalidOperationException($"{AuthorizationOptions.Section}:{nameof(AuthorizationOptions.SigningKeyFile)} is not set."));
        KeyId = AuthorizationKeys.KeyId(key);
    }

    public string KeyId { get; }

    /// <summary>An authorization for exactly this change, valid for <see cref="AuthorizationOptions.Lifetime"/> from now.</summary>
    public OperationAuthorization Sign(Guid requestId, int operationIndex, string subject, string operationHash, string? resourceVersion,
        string verdictsHash, IReadOnlyList<string> confirmedBy)
    {
        var unsigned = new OperationAuthorization
        {
            Id = Guid.NewGuid(),
            RequestId = requestId,
            OperationIndex = operationIndex,
            Subject = subject,
            OperationHash = operationHash,
            ResourceVersion = resourceVersion,
            VerdictsHash = verdictsHash,
            ConfirmedBy = [.. confirmedBy],
            ExpiresAt = time.GetUtcNow() + options.Lifetime,
            KeyId = KeyId,
        };
        var signature = key.SignData(AuthorizationCanonical.Payload(unsigned), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return unsigned with { Signature = Convert.ToBase64String(signature) };
    }

    public void Dispose() => key.Dispose();
}
