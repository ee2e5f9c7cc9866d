using System.Text.Json;
using System.Text.Json.Serialization;

namespace K8sAgentPlatform.Cli.Client;

/// <summary>The client's config file: the platform's URL and named tokens ("admin", "approver", ...).</summary>
public sealed class ClientConfig
{
    [JsonPropertyName("url")]
    public string? Url { get; set; }

    [JsonPropertyName("tokens")]
    public Dictionary<string, string> Tokens { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Where the client talks to and as whom. The URL comes from --url, K8S_AGENT_URL, the config file, or the
/// default; the token from --token, K8S_AGENT_TOKEN, or the config file's token named by --as (default admin).
/// </summary>
public sealed record ClientSettings(Uri Url, string? Token, string TokenName, ClientConfig Config, string ConfigPath)
{
    public const string DefaultUrl = "http://127.0.0.1:8080";
    public const string DefaultTokenName = "admin";
    public const string ApproverTokenName = "approver";
    public const string UrlVariable = "K8S_AGENT_URL";
    public const string TokenVariable = "K8S_AGENT_TOKEN";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>$XDG_CONFIG_HOME/k8s-agent/client.json, or ~/.config/k8s-agent/client.json.</summary>
    public static string DefaultConfigPath(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var root = environment("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(root, "k8s-agent", "client.json");
    }

    /// <summary>Resolves the settings; throws <see cref="ClientSettingsException"/> with a clear message when they cannot be.</summary>
    public static ClientSettings Resolve(string? url = null, string? token = null, string? asName = null, string? configPath = null,
        Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        configPath ??= DefaultConfigPath(environment);
        var config = Read(configPath);

        var rawUrl = Pick(url, environment(UrlVariable), config.Url) ?? DefaultUrl;
        if (!Uri.TryCreate(rawUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ClientSettingsException($"'{rawUrl}' is not an http(s) URL of the platform.");
        }

        var name = asName ?? DefaultTokenName;
        string? chosen;
        if (asName is not null && token is null)
        {
            // --as names a token in the config file on purpose; the environment's token is someone else's.
            chosen = config.Tokens.GetValueOrDefault(asName)
                ?? throw new ClientSettingsException($"No token named '{asName}' in {configPath} (it has: {Names(config)}).");
        }
        else
        {
            chosen = Pick(token, environment(TokenVariable), config.Tokens.GetValueOrDefault(name));
        }

        return new ClientSettings(uri, chosen, name, config, configPath);
    }

    /// <summary>A token from the config file by name, e.g. "approver".</summary>
    public string? TokenNamed(string name) => Config.Tokens.GetValueOrDefault(name);

    /// <summary>Reads the config file; a missing file is an empty config.</summary>
    public static ClientConfig Read(string path)
    {
        if (!File.Exists(path))
        {
            return new ClientConfig();
        }

        try
        {
            return JsonSerializer.Deserialize<ClientConfig>(File.ReadAllText(path), Json) ?? new ClientConfig();
        }
        catch (JsonException e)
        {
            throw new ClientSettingsException($"{path} is not a k8s-agent client config ({{\"url\": ..., \"tokens\": {{\"admin\": ...}}}}): {e.Message}");
        }
    }

    /// <summary>Writes the config file, readable by its owner only (it holds tokens).</summary>
    public static void Write(ClientConfig config, string? path = null)
    {
        path ??= DefaultConfigPath();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        using (var stream = OperatingSystem.IsWindows()
            ? new FileStream(temporary, FileMode.Create, FileAccess.Write)
            : new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
        {
            JsonSerializer.Serialize(stream, config, Json);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// For `serve`: records the URL and tokens (e.g. admin and approver) in the config file, keeping tokens of
    /// other names already there, so the client finds the platform with no set-up.
    /// </summary>
    public static string Save(string url, IReadOnlyDictionary<string, string> tokens, string? path = null)
    {
        path ??= DefaultConfigPath();
        var config = Read(path);
        config.Url = url;
        foreach (var (name, token) in tokens)
        {
            config.Tokens[name] = token;
        }

        Write(config, path);
        return path;
    }

    private static string? Pick(params string?[] candidates) => candidates.FirstOrDefault(c => !string.IsNullOrWhiteSpace(c));

    private static string Names(ClientConfig config) => config.Tokens.Count == 0 ? "none" : string.Join(", ", config.Tokens.Keys.Order());
}

public sealed class ClientSettingsException(string message) : Exception(message);
