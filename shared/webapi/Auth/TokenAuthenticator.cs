using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.WebApi.Auth;

/// <summary>Maps a presented bearer token to its principal by comparing SHA-256 hashes in constant time.</summary>
public sealed class TokenAuthenticator
{
    private readonly IReadOnlyList<(byte[] Hash, ApiPrincipal Principal)> known;

    public TokenAuthenticator(IOptions<AuthOptions> options)
    {
        var entries = options.Value.Tokens.AsEnumerable();
        if (options.Value.TokensFile is { Length: > 0 } path)
        {
            entries = entries.Concat(TokenFile.Read(path));
        }

        known = entries.Select(e => (Convert.FromHexString(e.Sha256), new ApiPrincipal(e.Name, HighestRole(e)))).ToList();
    }

    public int Count => known.Count;

    public ApiPrincipal? Authenticate(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        ApiPrincipal? found = null;
        // Every entry is compared, and each comparison takes the same time, so timing says nothing about which matched.
        foreach (var (hash, principal) in known)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, hash))
            {
                found ??= principal;
            }
        }

        return found;
    }

    private static ApiRole HighestRole(TokenEntry entry) =>
        entry.Roles.Select(r => ApiRoles.TryParse(r, out var role) ? role : ApiRole.Viewer).Max();
}
