using Testcontainers.MongoDb;

namespace K8sAgentPlatform.Persistence.Tests.Contract;

/// <summary>
/// One MongoDB server for the test class; each test gets its own database on it. Orchestrator.Tests compiles this
/// file too (linked), so every MongoDB suite finds its server and skips the same way.
/// </summary>
public sealed class MongoServer : IAsyncLifetime
{
    private const string Image = "mongo:7.0";
    private MongoDbContainer? container;
    private string? connectionString;
    private string? skipReason;

    public async ValueTask InitializeAsync()
    {
        var uri = Environment.GetEnvironmentVariable("MONGODB_URI");
        if (!string.IsNullOrWhiteSpace(uri))
        {
            connectionString = uri;
            return;
        }

        if (!DockerIsReachable())
        {
            skipReason = "SKIPPED: MongoDB contract tests did not run: MONGODB_URI is not set and no Docker engine was found " +
                "(no DOCKER_HOST, no /var/run/docker.sock). Set MONGODB_URI=mongodb://HOST:27017 or start Docker to run them.";
            await Console.Error.WriteLineAsync("*** " + skipReason + " ***");
            return;
        }

        // Docker is there: a failure to start the server fails the tests (below), it is not a skip.
        container = new MongoDbBuilder(Image).Build();
        await container.StartAsync();
        connectionString = container.GetConnectionString();
    }

    public Task<string> ConnectionStringAsync() => Task.FromResult(ConnectionString());

    /// <summary>The server's connection string; skips the calling test (with the reason) when there is no server.</summary>
    public string ConnectionString()
    {
        if (skipReason is not null)
        {
            Assert.Skip(skipReason);
        }

        return connectionString ?? throw new InvalidOperationException("The MongoDB test server did not start.");
    }

    public async ValueTask DisposeAsync()
    {
        if (container is not null)
        {
            await container.DisposeAsync();
        }
    }

    private static bool DockerIsReachable() =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("DOCKER_HOST")) || File.Exists("/var/run/docker.sock");
}
