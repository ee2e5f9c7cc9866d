using System.CommandLine;
using K8sAgentPlatform.KubeSandbox;

namespace K8sAgentPlatform.Cli.Commands;

internal static class SandboxCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 picks a free one).", DefaultValueFactory = _ => 0 };
        var kubeconfig = new Option<FileInfo?>("--kubeconfig-out") { Description = "Where to write the kubeconfig (default: a temp file)." };
        var seed = new Option<string?>("--seed") { Description = "Initial contents: 'demo' for a believable cluster." };
        var state = new Option<FileInfo?>("--state") { Description = "Load the cluster from this file at start and save it there while running." };
        var https = new Option<bool>("--https") { Description = "Serve HTTPS with a generated CA, and require a bearer token." };

        var command = new Command("sandbox", "Run a Kubernetes-API-compatible sandbox cluster on loopback until Ctrl-C.")
        {
            port, kubeconfig, seed, state, https,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var useHttps = result.GetValue(https);
            var options = new SandboxOptions
            {
                Port = result.GetValue(port),
                Seed = result.GetValue(seed),
                StateFile = result.GetValue(state)?.FullName,
                UseHttps = useHttps,
                Token = useHttps ? Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).ToLowerInvariant() : null,
            };
            var path = result.GetValue(kubeconfig)?.FullName ?? Path.Combine(Path.GetTempPath(), $"kube-sandbox-{Environment.ProcessId}.kubeconfig");
            await using var server = await SandboxServer.StartAsync(options, cancellationToken);
            server.WriteKubeconfig(path);
            var output = result.InvocationConfiguration.Output;
            output.WriteLine($"sandbox cluster listening on {server.BaseUrl}");
            output.WriteLine($"kubeconfig: {path}");
            output.WriteLine($"try: kubectl --kubeconfig {path} get pods -A");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C or SIGTERM: System.CommandLine cancels the token; dispose saves the state.
            }
            return 0;
        });
        return command;
    }
}
