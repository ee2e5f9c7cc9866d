namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// One distributed platform for a test class whose scenarios touch different objects, so they can share it
/// and pay the start of five processes once. Without a broker nothing starts and every test skips with the reason.
/// </summary>
public sealed class SharedPlatform(Broker broker) : IAsyncLifetime
{
    private DistributedPlatform? platform;

    /// <summary>The running platform, or the test is skipped when there is no broker.</summary>
    public DistributedPlatform Platform
    {
        get
        {
            broker.Require();
            return platform ?? throw new InvalidOperationException("The shared platform did not start; see the class fixture's error.");
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (broker.Url is not null)
        {
            platform = await DistributedPlatform.StartAsync(broker);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (platform is not null)
        {
            await platform.DisposeAsync();
        }
    }
}
