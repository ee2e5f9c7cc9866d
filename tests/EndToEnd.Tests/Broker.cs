using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
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

    /// <summary>The users of deploy/rabbitmq/permissions.json in <paramref name="virtualHost"/>; each role's AMQP URL.</summary>
    public Task<IReadOnlyDictionary<string, string>> CreateUsersAsync(string virtualHost) => VirtualHosts().CreateUsersAsync(virtualHost);

    public Task DeleteUsersAsync(string virtualHost) => VirtualHosts().DeleteUsersAsync(virtualHost);

    /// <summary>The names of the open client connections of a virtual host (peer address and port, unique per connection).</summary>
    public async Task<IReadOnlySet<string>> ConnectionsAsync(string virtualHost)
    {
        using var http = Management();
        var connections = await http.GetFromJsonAsync<JsonElement>($"api/vhosts/{Uri.EscapeDataString(virtualHost)}/connections");
        return connections.EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToHashSet();
    }

    /// <summary>
    /// Restarts the local Debian broker's RabbitMQ application (rabbitmqctl stop_app, then start_app): every
    /// connection drops, durable queues and persistent messages stay. Only for a broker on this machine that
    /// rabbitmqctl can control; any other broker skips the test, saying why.
    /// </summary>
    public async Task RestartAsync()
    {
        var url = new Uri(Require());
        const string rabbitmqctl = "/usr/sbin/rabbitmqctl";
        var node = Environment.GetEnvironmentVariable("RABBITMQ_NODENAME") is { Length: > 0 } named ? named : "rabbit@localhost";
        var why = container is not null ? "the broker is a Testcontainers container"
            : !url.IsLoopback ? $"the broker at {url.Host} is not on this machine"
            : !File.Exists(rabbitmqctl) ? $"{rabbitmqctl} (Debian's rabbitmq-server) is not installed"
            : await RabbitMqCtlAsync(rabbitmqctl, node, "ping") is { } failure ? $"rabbitmqctl cannot reach node {node} (set RABBITMQ_NODENAME): {failure}"
            : null;
        if (why is not null)
        {
            throw Xunit.Sdk.SkipException.ForSkip($"SKIPPED: restarting the broker needs the local Debian broker; {why}.");
        }

        foreach (var command in new[] { "stop_app", "start_app" })
        {
            if (await RabbitMqCtlAsync(rabbitmqctl, node, command) is { } error)
            {
                throw new InvalidOperationException($"rabbitmqctl {command} failed on node {node}: {error}");
            }
        }
    }

    /// <summary>An HTTP client for the management API, authenticated as the AMQP URL's user.</summary>
    public HttpClient Management() => VirtualHosts().Management();

    /// <summary>Runs one rabbitmqctl command; returns why it failed, or null.</summary>
    private static async Task<string?> RabbitMqCtlAsync(string rabbitmqctl, string node, string command)
    {
        var start = new ProcessStartInfo(rabbitmqctl, ["-q", "-n", node, command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {rabbitmqctl}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return "no answer within 60 s";
        }

        var text = (await output + await error).Trim();
        return process.ExitCode == 0 ? null : $"exit code {process.ExitCode}: {text}";
    }

    private RabbitMqVirtualHosts VirtualHosts() => new(Require(), ManagementUrl!);

    /// <summary>The URL, or the test is skipped with the reason (never a silent pass).</summary>
    public string Require() => Url ?? throw Xunit.Sdk.SkipException.ForSkip(Unavailable ?? "SKIPPED: no RabbitMQ");
}
