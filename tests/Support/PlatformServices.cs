using System.Security.Cryptography;
using System.Text;

namespace K8sAgentPlatform.TestSupport;

/// <summary>
/// The five service processes of a distributed run and the environment they share: RabbitMQ, SQLite files in a
/// work directory, a Kubernetes API server by URL, and API tokens for named principals. Used by the end-to-end
/// tests and the pipeline benchmark; the service assemblies must be built next to the caller.
/// </summary>
public static class PlatformServices
{
    public static readonly IReadOnlyList<(string Name, string Assembly)> All =
    [
        ("intent", "K8sAgentPlatform.Intent.dll"),
        ("policy", "K8sAgentPlatform.Policy.dll"),
        ("executor", "K8sAgentPlatform.Executor.dll"),
        ("rollback", "K8sAgentPlatform.Rollback.dll"),
        ("orchestrator", "K8sAgentPlatform.Orchestrator.dll"),
    ];

    public static string AssemblyOf(string service) => All.Single(s => s.Name == service).Assembly;

    /// <summary>The token a principal authenticates with; its SHA-256 is what the orchestrator is configured with.</summary>
    public static string TokenOf(string principal) => $"k8sa_e2e-{principal}-token";

    /// <summary>Environment variables every service gets, exactly as the services read them.</summary>
    public static Dictionary<string, string> Environment(string rabbitMqUrl, string kubernetesHost, string workDirectory,
        IReadOnlyDictionary<string, string> principals)
    {
        var environment = new Dictionary<string, string>
        {
            ["Bus__Transport"] = "rabbitmq",
            ["Bus__RabbitMqUrl"] = rabbitMqUrl,
            ["Persistence__Provider"] = "sqlite",
            ["Persistence__SqlitePath"] = Path.Combine(workDirectory, "platform.db"),
            ["Kubernetes__Host"] = kubernetesHost,
            ["Executor__Verification__FailureGrace"] = "00:00:05",
            ["Orchestrator__RequestsDatabase"] = Path.Combine(workDirectory, "requests.db"),
        };
        var index = 0;
        foreach (var (name, role) in principals)
        {
            environment[$"Auth__Tokens__{index}__Name"] = name;
            environment[$"Auth__Tokens__{index}__Sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(TokenOf(name))));
            environment[$"Auth__Tokens__{index}__Roles__0"] = role;
            index++;
        }

        return environment;
    }

    /// <summary>Starts all five at once and waits until each answers /readyz; on a failure the started ones are stopped.</summary>
    public static async Task<IReadOnlyDictionary<string, ServiceProcess>> StartAllAsync(IReadOnlyDictionary<string, string> environment)
    {
        var starting = All.Select(s => (s.Name, Task: ServiceProcess.StartAsync(s.Name, s.Assembly, environment))).ToList();
        try
        {
            await Task.WhenAll(starting.Select(s => s.Task));
        }
        catch
        {
            foreach (var (_, task) in starting.Where(s => s.Task.IsCompletedSuccessfully))
            {
                await task.Result.DisposeAsync();
            }

            throw;
        }

        return starting.ToDictionary(s => s.Name, s => s.Task.Result);
    }
}
