using System.ComponentModel.DataAnnotations;

namespace K8sAgentPlatform.WebApi.Auth;

/// <summary>Bearer tokens (section "Auth"), stored as SHA-256 hashes only; more may come from <see cref="TokensFile"/>.</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    public List<TokenEntry> Tokens { get; set; } = [];

    /// <summary>A JSON file of the same shape ({"Tokens": [...]}) read at start, e.g. the one `serve` writes.</summary>
    public string? TokensFile { get; set; }

    /// <summary>
    /// Refused calls (no valid token, role too small) one client (remote address) may make per minute; past it, its
    /// refused calls are answered 429 and only counted. Calls with a valid token are never limited.
    /// </summary>
    [Range(1, 1_000_000)]
    public int DeniedCallsPerMinute { get; set; } = 60;

    /// <summary>How often the counts of unauthenticated calls are written to the audit log and the log, as one entry.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DenialSummaryInterval { get; set; } = TimeSpan.FromMinutes(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Tokens.Count; i++)
        {
            foreach (var problem in Tokens[i].Problems())
            {
                yield return new ValidationResult($"{Section}:Tokens:{i}: {problem}", [nameof(Tokens)]);
            }
        }

        if (TokensFile is { Length: > 0 } path)
        {
            string? failure = null;
            try
            {
                var entries = TokenFile.Read(path);
                failure = entries.Select((e, i) => e.Problems().Select(p => $"entry {i}: {p}")).SelectMany(p => p).FirstOrDefault();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                failure = e.Message;
            }

            if (failure is not null)
            {
                yield return new ValidationResult($"{Section}:TokensFile ({path}): {failure}", [nameof(TokensFile)]);
            }
        }
    }
}

/// <summary>One token: who it stands for, the hex SHA-256 of the token, and its roles.</summary>
public sealed class TokenEntry
{
    public string Name { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public List<string> Roles { get; set; } = [];

    internal IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            yield return "Name is required";
        }

        if (Sha256.Length != 64 || !Sha256.All(Uri.IsHexDigit))
        {
            yield return "Sha256 must be the 64 hex digits of the token's SHA-256 (the token itself is never configured)";
        }

        if (Roles.Count == 0)
        {
            yield return $"Roles must name at least one of {string.Join(", ", ApiRoles.Names)}";
        }

        foreach (var role in Roles.Where(r => !ApiRoles.TryParse(r, out _)))
        {
            yield return $"unknown role '{role}' (known: {string.Join(", ", ApiRoles.Names)})";
        }
    }
}
