using System.Diagnostics;

namespace K8sAgentPlatform.KubeSandbox.Tests;

/// <summary>Runs the installed kubectl against a sandbox, with its own kubeconfig and a fresh discovery cache.</summary>
internal sealed class Kubectl : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("kubectl-test-").FullName;

    public Kubectl(SandboxServer server)
    {
        server.WriteKubeconfig(KubeconfigPath);
    }

    public string KubeconfigPath => Path.Combine(directory, "kubeconfig");

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string All => Output + Error;
    }

    /// <summary>Runs kubectl and fails the test unless it exits 0.</summary>
    public async Task<string> RunAsync(params string[] args)
    {
        var result = await TryRunAsync(args);
        result.ExitCode.ShouldBe(0, $"kubectl {string.Join(' ', args)} failed: {result.Error}");
        return result.Output;
    }

    public async Task<Result> TryRunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(KubeconfigPath);
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(Path.Combine(directory, "cache"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new Result(process.ExitCode, await output, await error);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }
}
