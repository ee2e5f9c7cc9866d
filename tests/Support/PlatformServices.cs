using System.Security.Cryptography;
using System.Text;

namespace K8sAgentPlatform.TestSupport;

/// <summary>
/// The service processes of a distributed run and the environment they share: RabbitMQ, SQLite files in a
/// work directory, a Kubernetes API server by URL, and API tokens for named principals. Used by the end-to-end
/// tests and the pipeline benchmark; the service assemblies must be built next to the caller.
/// </summary>
public static class PlatformServices
{
    /// <summary>The five every request passes through.</summary>
    public static readonly IReadOnlyList<(string Name, string Assembly)> All =
    [
        ("intent", "K8sAgentPlatform.Intent.dll"),
        ("policy", "K8sAgentPlatform.Policy.dll"),
        ("executor", "K8sAgentPlatform.Executor.dll"),
        ("rollback", "K8sAgentPlatform.Rollback.dll"),
        ("orchestrator", "K8sAgentPlatform.Orchestrator.dll"),
    ];

    /// <summary>Alert intake, started only by the runs that post alerts (see <see cref="RemediationEnvironment"/>).</summary>
    public static readonly (string Name, string Assembly) Remediation = ("remediation", "K8sAgentPlatform.Remediation.dll");

    /// <summary>The bearer token Alertmanager would send to the remediation service's webhook.</summary>
    public const string WebhookToken = "k8sa_e2e-alertmanager-webhook-token";

    public static string AssemblyOf(string service) => All.Append(Remediation).Single(s => s.Name == service).Assembly;

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
            ["Orchestrator__EmergencyStopFile"] = Path.Combine(workDirectory, "emergency-stop.json"),
        };
        // The orchestrator signs with the private key; the executor and the rollback service verify with the public one.
        var signingKey = Path.Combine(workDirectory, "authorization.pem");
        Security.AuthorizationKeys.EnsureKeyPair(signingKey);
        environment["Authorization__SigningKeyFile"] = signingKey;
        environment["Authorization__VerificationKeyFiles__0"] = Security.AuthorizationKeys.PublicKeyPath(signingKey);
        var index = 0;
        foreach (var (name, role) in principals)
        {
            environment[$"Auth__Tokens__{index}__Name"] = name;
            environment[$"Auth__Tokens__{index}__Sha256"] = Sha256(TokenOf(name));
            environment[$"Auth__Tokens__{index}__Roles__0"] = role;
            index++;
        }

        return environment;
    }

    /// <summary>
    /// The remediation service's environment: <paramref name="common"/> (the same bus, database and API tokens) plus the
    /// rules file and the hash of <see cref="WebhookToken"/>.
    /// </summary>
    public static Dictionary<string, string> RemediationEnvironment(IReadOnlyDictionary<string, string> common, string rulesFile) =>
        new(common)
        {
            ["Remediation__RulesFile"] = rulesFile,
            ["Remediation__WebhookTokenSha256"] = Sha256(WebhookToken),
            ["Remediation__AlertmanagerUrl"] = "http://127.0.0.1:9",
        };

    private static string Sha256(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>
    /// <paramref name="environment"/> with <paramref name="service"/>'s own broker URL (its own user, from
    /// <see cref="RabbitMqVirtualHosts.CreateUsersAsync"/>), as every deployment gives each service.
    /// </summary>
    public static Dictionary<string, string> WithBrokerUser(IReadOnlyDictionary<string, string> environment, IReadOnlyDictionary<string, string> brokerUrls,
        string service) =>
        new(environment) { ["Bus__RabbitMqUrl"] = brokerUrls[service] };

    /// <summary>
    /// Starts all five at once, each with its own broker user from <paramref name="brokerUrls"/> (service name to AMQP
    /// URL), and waits until each answers /readyz; on a failure the started ones are stopped.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, ServiceProcess>> StartAllAsync(IReadOnlyDictionary<string, string> environment,
        IReadOnlyDictionary<string, string> brokerUrls)
    {
        var starting = All.Select(s => (s.Name, Task: ServiceProcess.StartAsync(s.Name, s.Assembly, WithBrokerUser(environment, brokerUrls, s.Name)))).ToList();
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
