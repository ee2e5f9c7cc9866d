namespace K8sAgentPlatform.KubeSandbox.Tests;

internal static class Sandbox
{
    /// <summary>A fast cluster: pods ready after 200 ms, controller every 50 ms.</summary>
    public static Task<SandboxServer> StartAsync(string? seed = "demo", bool https = false, string? token = null, TimeSpan? podReadyDelay = null) =>
        SandboxServer.StartAsync(new SandboxOptions
        {
            Seed = seed,
            UseHttps = https,
            Token = token,
            PodReadyDelay = podReadyDelay ?? TimeSpan.FromMilliseconds(200),
            CrashLoopInterval = TimeSpan.FromMilliseconds(300),
            ControllerInterval = TimeSpan.FromMilliseconds(50),
            BookmarkInterval = TimeSpan.FromMilliseconds(500),
        }, TestContext.Current.CancellationToken);
}
