using K8sAgentPlatform.TestSupport;
using Testcontainers.RabbitMq;

namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// The RabbitMQ the distributed tests use: RABBITMQ_URL when set (CI starts Debian's broker with
/// .ci/start-rabbitmq), else a Testcontainers broker where Docker runs; otherwise the tests are skipped,
/// saying so.
/// </summary>
public sealed class Broker : IAsyncLifetime
{
    private RabbitMqContainer? container;

    public string? Url { get; private set; }

    /// <summary>The management API (RABBITMQ_MANAGEMENT_URL, else port 15672 on the broker's host).</summary>
    public Uri? ManagementUrl { get; private set; }
    public string? Unavailable { get; private set; }

    public async ValueTask InitializeAsync()
    {
        Url = Environment.GetEnvironmentVariable("RABBITMQ_URL");
        if (!string.IsNullOrEmpty(Url))
        {
            ManagementUrl = RabbitMqVirtualHosts.For(Url).ManagementUrl;
            return;
        }

        if (!File.Exists("/var/run/docker.sock") && Environment.GetEnvironmentVariable("DOCKER_HOST") is null)
        {
            Unavailable = "SKIPPED: no RabbitMQ. Set RABBITMQ_URL (CI runs .ci/start-rabbitmq) or run Docker for Testcontainers.";
            return;
        }

        try
        {
            container = new RabbitMqBuilder("rabbitmq:3.13-management").WithPortBinding(15672, assignRandomHostPort: true).Build();
            await container.StartAsync();
            Url = container.GetConnectionString();
            ManagementUrl = new Uri($"http://{container.Hostname}:{container.GetMappedPublicPort(15672)}/");
        }
        catch (Exception e)
        {
            Unavailable = $"SKIPPED: no RabbitMQ. Docker was found but Testcontainers could not start a broker: {e.Message}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (container is not null)
        {
            await container.DisposeAsync();
        }
    }

    /// <summary>Creates a virtual host the broker's user may use fully; returns the AMQP URL that points at it.</summary>
    public Task<string> CreateVirtualHostAsync(string name) => VirtualHosts().CreateAsync(name);

    public Task DeleteVirtualHostAsync(string name) => VirtualHosts().DeleteAsync(name);

    /// <summary>An HTTP client for the management API, authenticated as the AMQP URL's user.</summary>
    public HttpClient Management() => VirtualHosts().Management();

    private RabbitMqVirtualHosts VirtualHosts() => new(Require(), ManagementUrl!);

    /// <summary>The URL, or the test is skipped with the reason (never a silent pass).</summary>
    public string Require() => Url ?? throw Xunit.Sdk.SkipException.ForSkip(Unavailable ?? "SKIPPED: no RabbitMQ");
}
