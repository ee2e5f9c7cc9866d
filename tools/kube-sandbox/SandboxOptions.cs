namespace K8sAgentPlatform.KubeSandbox;

/// <summary>How a <see cref="SandboxServer"/> starts and how its simulated cluster behaves.</summary>
public sealed class SandboxOptions
{
    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>"demo" for a believable cluster; null for an empty one (default namespaces and nodes only).</summary>
    public string? Seed { get; init; }

    /// <summary>Serve HTTPS with a generated CA; kubectl only sends bearer tokens over TLS.</summary>
    public bool UseHttps { get; init; }

    /// <summary>Bearer token every API request must carry; null accepts anything.</summary>
    public string? Token { get; init; }

    /// <summary>How long a scheduled pod takes to pull its image and turn Running and Ready.</summary>
    public TimeSpan PodReadyDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Interval between two restarts of a crash-looping container.</summary>
    public TimeSpan CrashLoopInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the simulated control plane reconciles.</summary>
    public TimeSpan ControllerInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Interval between BOOKMARK events on watches that allow them.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Worker nodes created at start (worker-1..N).</summary>
    public int NodeCount { get; init; } = 3;

    /// <summary>Images that cannot be pulled; the default fails registry unreachable.example and tag does-not-exist.</summary>
    public Func<string, bool> ImagePullFails { get; init; } = DefaultImagePullFails;

    /// <summary>Seed of the fault injector's random sequence.</summary>
    public int FaultSeed { get; init; } = 1;

    /// <summary>File the cluster state is loaded from at start and saved to while running.</summary>
    public string? StateFile { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>False leaves objects exactly as written (no pods, no status): for API-only tests.</summary>
    public bool RunController { get; init; } = true;

    public static bool DefaultImagePullFails(string image)
    {
        var registry = image.Contains('/') ? image[..image.IndexOf('/')] : "";
        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        var tag = lastSegment.Contains(':') ? lastSegment[(lastSegment.IndexOf(':') + 1)..] : "latest";
        return registry == "unreachable.example" || tag == "does-not-exist";
    }
}
