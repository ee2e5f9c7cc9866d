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
    public string? Unavailable { get; private set; }

    public async ValueTask InitializeAsync()
    {
        Url = Environment.GetEnvironmentVariable("RABBITMQ_URL");
        if (!string.IsNullOrEmpty(Url))
        {
            return;
        }

        if (!File.Exists("/var/run/docker.sock") && Environment.GetEnvironmentVariable("DOCKER_HOST") is null)
        {
            Unavailable = "SKIPPED: no RabbitMQ. Set RABBITMQ_URL (CI runs .ci/start-rabbitmq) or run Docker for Testcontainers.";
            return;
        }

        try
        {
            container = new RabbitMqBuilder("rabbitmq:3.13-management").Build();
            await container.StartAsync();
            Url = container.GetConnectionString();
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

    /// <summary>The URL, or the test is skipped with the reason (never a silent pass).</summary>
    public string Require() => Url ?? throw Xunit.Sdk.SkipException.ForSkip(Unavailable ?? "SKIPPED: no RabbitMQ");
}
