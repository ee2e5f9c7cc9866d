using Microsoft.Extensions.Configuration;

namespace K8sAgentPlatform.Cli;

/// <summary>
/// Settings for commands that run services in this process: environment variables in .NET's form
/// (OpenAI__ApiKey) plus the names other OpenAI tools use (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL).
/// </summary>
internal static class CliConfiguration
{
    public static IConfiguration Build()
    {
        var conventional = new Dictionary<string, string?>();
        Map("OPENAI_API_KEY", "OpenAI:ApiKey");
        Map("OPENAI_BASE_URL", "OpenAI:BaseUrl");
        Map("OPENAI_MODEL", "OpenAI:Model");
        return new ConfigurationBuilder()
            .AddInMemoryCollection(conventional)
            .AddEnvironmentVariables()
            .Build();

        void Map(string variable, string key)
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
            {
                conventional[key] = value;
            }
        }
    }
}
