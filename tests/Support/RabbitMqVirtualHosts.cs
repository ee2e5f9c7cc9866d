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
