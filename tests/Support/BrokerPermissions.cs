using System.Text.Json;

namespace K8sAgentPlatform.TestSupport;

/// <summary>One broker user's permissions on a virtual host: RabbitMQ's configure, write and read regular expressions.</summary>
public sealed record BrokerRole(string Role, string Configure, string Write, string Read, string Tags, string Why);

/// <summary>
/// The table of broker users and permissions, deploy/rabbitmq/permissions.json (embedded in this assembly at build time),
/// so the test platforms create exactly the users that the deployment scripts create.
/// </summary>
public static class BrokerPermissions
{
    /// <summary>The role of a system that submits raw JSON on submit-request-json.</summary>
    public const string Publisher = "publisher";

    private static readonly Lazy<(string Prefix, IReadOnlyList<BrokerRole> Roles)> Table = new(Load);

    /// <summary>The prefix of a service's user name in a deployment (the test platforms use their virtual host's name instead).</summary>
    public static string UserPrefix => Table.Value.Prefix;

    public static IReadOnlyList<BrokerRole> Roles => Table.Value.Roles;

    public static BrokerRole Of(string role) =>
        Roles.SingleOrDefault(r => r.Role == role) ?? throw new KeyNotFoundException($"deploy/rabbitmq/permissions.json has no role '{role}'.");

    private static (string, IReadOnlyList<BrokerRole>) Load()
    {
        using var stream = typeof(BrokerPermissions).Assembly.GetManifestResourceStream("broker-permissions.json")
            ?? throw new InvalidOperationException("deploy/rabbitmq/permissions.json was not embedded in the test support assembly.");
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        var roles = root.GetProperty("roles").EnumerateArray().Select(r => new BrokerRole(
            r.GetProperty("role").GetString()!,
            r.GetProperty("configure").GetString()!,
            r.GetProperty("write").GetString()!,
            r.GetProperty("read").GetString()!,
            r.TryGetProperty("tags", out var tags) ? tags.GetString()! : "",
            r.GetProperty("why").GetString()!)).ToList();
        return (root.GetProperty("userPrefix").GetString()!, roles);
    }
}
