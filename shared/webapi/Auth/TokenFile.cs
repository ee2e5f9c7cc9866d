using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace K8sAgentPlatform.WebApi.Auth;

/// <summary>
/// Creates tokens and the server's tokens file, which holds only their hashes. `serve` uses it on first run
/// to make an admin token and a separate approver token; the plain tokens go to the client's config only.
/// </summary>
public static class TokenFile
{
    public const string Prefix = "k8sa_";

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, WriteIndented = true };

    /// <summary>A new random token: "k8sa_" + 32 random bytes in base64url.</summary>
    public static string GenerateToken() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The lowercase hex SHA-256 of a token, as the server stores it.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static TokenEntry Entry(string name, string token, params ApiRole[] roles) =>
        new() { Name = name, Sha256 = Hash(token), Roles = roles.Select(ApiRoles.Name).ToList() };

    /// <summary>The entries of a tokens file; a missing file has none.</summary>
    public static IReadOnlyList<TokenEntry> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            var file = JsonSerializer.Deserialize<TokensFileContent>(File.ReadAllText(path), Json);
            return file?.Tokens ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a tokens file ({{\"Tokens\": [{{\"Name\", \"Sha256\", \"Roles\"}}]}}): {e.Message}", e);
        }
    }

    /// <summary>Writes the entries, readable by the owner only.</summary>
    public static void Write(string path, IReadOnlyList<TokenEntry> entries)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        var temporary = path + ".tmp";
        using (var stream = OwnerOnly(temporary))
        {
            JsonSerializer.Serialize(stream, new TokensFileContent { Tokens = entries.ToList() }, Json);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Generates a token for <paramref name="name"/>, adds (or replaces) its hashed entry in the file and
    /// returns the plain token, which exists nowhere else: hand it to the client (ClientSettings) at once.
    /// </summary>
    public static string AddToken(string path, string name, params ApiRole[] roles)
    {
        var token = GenerateToken();
        var entries = Read(path).Where(e => !string.Equals(e.Name, name, StringComparison.Ordinal)).ToList();
        entries.Add(Entry(name, token, roles));
        Write(path, entries);
        return token;
    }

    private static FileStream OwnerOnly(string path) => OperatingSystem.IsWindows()
        ? new FileStream(path, FileMode.Create, FileAccess.Write)
        : new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });

    private sealed class TokensFileContent
    {
        public List<TokenEntry> Tokens { get; set; } = [];
    }
}
