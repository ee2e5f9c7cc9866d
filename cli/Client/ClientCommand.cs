using System.CommandLine;

namespace K8sAgentPlatform.Cli.Client;

/// <summary>
/// What every command that talks to the platform shares: --url, --token, --as, --config, and turning
/// failures into one clear line on stderr with exit code 2 (usage, input, auth, unreachable) or 1 (server errors).
/// </summary>
internal sealed class ClientCommand
{
    private readonly Option<string?> url = new("--url") { Description = $"The platform's URL (else ${ClientSettings.UrlVariable}, the client config, or {ClientSettings.DefaultUrl})." };
    private readonly Option<string?> token = new("--token") { Description = $"Bearer token (else ${ClientSettings.TokenVariable} or the client config)." };
    private readonly Option<string?> asName = new("--as") { Description = $"Which token of the client config to use (default {ClientSettings.DefaultTokenName})." };
    private readonly Option<string?> config = new("--config") { Description = "The client config file (default $XDG_CONFIG_HOME/k8s-agent/client.json)." };

    private readonly string displayName;

    public Command Command { get; }

    // parent: the parent command's name for messages, e.g. "requests" for `requests list`.
    public ClientCommand(string name, string description, string? parent = null)
    {
        displayName = parent is null ? $"k8s-agent {name}" : $"k8s-agent {parent} {name}";
        Command = new Command(name, description);
        Command.Options.Add(url);
        Command.Options.Add(token);
        Command.Options.Add(asName);
        Command.Options.Add(config);
    }

    public delegate Task<int> Action(ParseResult result, ClientSettings settings, ApiClient client, CommandOutput output, CancellationToken cancellationToken);

    public Command Run(Action action)
    {
        Command.SetAction(async (result, cancellationToken) =>
        {
            var output = new CommandOutput(result.InvocationConfiguration.Output, result.InvocationConfiguration.Error);
            var name = displayName;
            try
            {
                var settings = ClientSettings.Resolve(result.GetValue(url), result.GetValue(token), result.GetValue(asName), result.GetValue(config));
                using var client = ApiClient.Create(settings);
                return await action(result, settings, client, output, cancellationToken);
            }
            catch (ClientSettingsException e)
            {
                output.Error.WriteLine($"{name}: {e.Message}");
                return 2;
            }
            catch (PlatformUnreachableException e)
            {
                output.Error.WriteLine($"{name}: {e.Message}");
                return 2;
            }
            catch (ApiException e)
            {
                output.Error.WriteLine($"{name}: {e.Message}");
                return e.Status >= 500 ? 1 : 2;
            }
            catch (UsageException e)
            {
                output.Error.WriteLine($"{name}: {e.Message}");
                return 2;
            }
        });
        return Command;
    }

    public static Guid RequestId(string raw) =>
        Guid.TryParse(raw, out var id) ? id : throw new UsageException($"'{raw}' is not a request id (a GUID such as the one `k8s-agent ask` prints).");
}

/// <summary>Bad input noticed on the client side (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);

internal sealed record CommandOutput(TextWriter Out, TextWriter Error);
