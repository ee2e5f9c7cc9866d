using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace K8sAgentPlatform.TestSupport;

/// <summary>
/// Virtual hosts through the RabbitMQ management API, so every platform started on a shared broker has queues of
/// its own and never consumes another's messages.
/// </summary>
public sealed class RabbitMqVirtualHosts(string amqpUrl, Uri managementUrl)
{
    /// <summary>The management API of <paramref name="amqpUrl"/>: RABBITMQ_MANAGEMENT_URL, else port 15672 on the broker's host.</summary>
    public static RabbitMqVirtualHosts For(string amqpUrl)
    {
        var management = System.Environment.GetEnvironmentVariable("RABBITMQ_MANAGEMENT_URL");
        return new RabbitMqVirtualHosts(amqpUrl, new Uri(string.IsNullOrEmpty(management) ? $"http://{new Uri(amqpUrl).Host}:15672/" : management));
    }

    public Uri ManagementUrl => managementUrl;

    /// <summary>Creates a virtual host the broker's user may use fully; returns the AMQP URL that points at it.</summary>
    public async Task<string> CreateAsync(string name)
    {
        using var http = Management();
        var vhost = Uri.EscapeDataString(name);
        (await http.PutAsync($"api/vhosts/{vhost}", JsonContent.Create(new { }))).EnsureSuccessStatusCode();
        (await http.PutAsync($"api/permissions/{vhost}/{Uri.EscapeDataString(User().Name)}",
            JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" }))).EnsureSuccessStatusCode();
        return new UriBuilder(amqpUrl) { Path = "/" + vhost }.Uri.ToString();
    }

    public async Task DeleteAsync(string name)
    {
        using var http = Management();
        await http.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(name)}");
    }

    /// <summary>
    /// One user per role of deploy/rabbitmq/permissions.json, named <c>&lt;vhost&gt;-&lt;role&gt;</c> with a random
    /// password and the table's permissions on <paramref name="vhost"/> only; returns each role's AMQP URL.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> CreateUsersAsync(string vhost)
    {
        using var http = Management();
        var urls = new Dictionary<string, string>();
        foreach (var role in BrokerPermissions.Roles)
        {
            var user = UserName(vhost, role.Role);
            var password = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            (await http.PutAsync($"api/users/{Uri.EscapeDataString(user)}", JsonContent.Create(new { password, tags = role.Tags }))).EnsureSuccessStatusCode();
            (await http.PutAsync($"api/permissions/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(user)}",
                JsonContent.Create(new { configure = role.Configure, write = role.Write, read = role.Read }))).EnsureSuccessStatusCode();
            urls[role.Role] = new UriBuilder(amqpUrl)
            {
                UserName = Uri.EscapeDataString(user),
                Password = password,
                Path = "/" + Uri.EscapeDataString(vhost),
            }.Uri.ToString();
        }

        return urls;
    }

    /// <summary>Deletes the users <see cref="CreateUsersAsync"/> made for <paramref name="vhost"/>.</summary>
    public async Task DeleteUsersAsync(string vhost)
    {
        using var http = Management();
        foreach (var role in BrokerPermissions.Roles)
        {
            await http.DeleteAsync($"api/users/{Uri.EscapeDataString(UserName(vhost, role.Role))}");
        }
    }

    /// <summary>The broker user of <paramref name="role"/> in a test platform's virtual host.</summary>
    public static string UserName(string vhost, string role) => $"{vhost}-{role}";

    /// <summary>An HTTP client for the management API, authenticated as the AMQP URL's user.</summary>
    public HttpClient Management()
    {
        var (user, password) = User();
        var http = new HttpClient { BaseAddress = managementUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return http;
    }

    private (string Name, string Password) User()
    {
        var info = new Uri(amqpUrl).UserInfo.Split(':', 2);
        return (Uri.UnescapeDataString(info[0]), info.Length > 1 ? Uri.UnescapeDataString(info[1]) : "");
    }
}
