using System.CommandLine;
using K8sAgentPlatform.Cli.Embedded;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.WebApi.Auth;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Cli.Commands;

internal static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port of the HTTP API on 127.0.0.1 (0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var kubeconfig = new Option<FileInfo?>("--kubeconfig") { Description = "Run against this cluster instead of the built-in sandbox." };
        var seed = new Option<string?>("--seed") { Description = "Seed for the sandbox cluster (demo: namespaces, nodes, deployments).", DefaultValueFactory = _ => "demo" };
        var rules = new Option<FileInfo?>("--remediation-rules") { Description = "Alertmanager remediation rules (YAML); turns on POST /webhooks/alertmanager with a webhook token printed at start." };
        var alertmanager = new Option<Uri?>("--alertmanager-url") { Description = "The Alertmanager whose API the effectiveness check asks (with --remediation-rules; e.g. http://127.0.0.1:9093). Only this URL is ever requested." };
        var policy = new Option<FileInfo?>("--policy") { Description = "Policy file (YAML, see services/policy/policy.example.yaml); checked at start, every error with its line and key. Default: the built-in policy." };
        var data = new Option<DirectoryInfo?>("--data") { Description = "Where snapshots, the audit log and tokens are kept (default: the user's data directory)." };
        var command = new Command("serve", "Run the whole platform in this process: API, saga, intent, policy, executor and rollback (and the\n" +
            "Alertmanager webhook with --remediation-rules) on an in-memory bus, SQLite storage, and the sandbox\n" +
            "cluster unless --kubeconfig is given. Prints the API URL;\n" +
            "the client commands (ask, requests, confirm, ...) find it and their tokens by themselves. Ctrl-C stops it.")
        {
            port, kubeconfig, seed, policy, data, rules, alertmanager,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var kube = result.GetValue(kubeconfig);
            if (kube is not null && !kube.Exists)
            {
                await result.InvocationConfiguration.Error.WriteLineAsync($"k8s-agent serve: the kubeconfig {kube.FullName} does not exist.");
                return 2;
            }

            var policyFile = result.GetValue(policy);
            if (policyFile is not null && !policyFile.Exists)
            {
                await result.InvocationConfiguration.Error.WriteLineAsync($"k8s-agent serve: the policy file {policyFile.FullName} does not exist.");
                return 2;
            }

            var rulesFile = result.GetValue(rules);
            if (rulesFile is not null && !rulesFile.Exists)
            {
                await result.InvocationConfiguration.Error.WriteLineAsync($"k8s-agent serve: the remediation rules file {rulesFile.FullName} does not exist.");
                return 2;
            }

            var alertmanagerUrl = result.GetValue(alertmanager);
            if (rulesFile is not null && alertmanagerUrl is null)
            {
                await result.InvocationConfiguration.Error.WriteLineAsync("k8s-agent serve: --remediation-rules needs --alertmanager-url URL: the effectiveness check asks only that Alertmanager.");
                return 2;
            }

            // The webhook token is made per run like the API tokens; the server keeps only its hash.
            var webhookToken = rulesFile is null ? null : TokenFile.GenerateToken();
            var overrides = rulesFile is null ? null : new Dictionary<string, string?>
            {
                ["Remediation:RulesFile"] = rulesFile.FullName,
                ["Remediation:WebhookTokenSha256"] = TokenFile.Hash(webhookToken!),
                ["Remediation:AlertmanagerUrl"] = alertmanagerUrl!.ToString(),
            };
            var dataDirectory = result.GetValue(data)?.FullName ?? DefaultDataDirectory();
            var settings = new EmbeddedSettings(result.GetValue(port), kube?.FullName, result.GetValue(seed), dataDirectory, Overrides: overrides,
                PolicyFile: policyFile?.FullName);
            await output.WriteLineAsync(kube is null ? "starting the platform on the sandbox cluster..." : $"starting the platform on {kube.FullName}...");
            EmbeddedPlatform platform;
            try
            {
                platform = await EmbeddedPlatform.StartAsync(settings, cancellationToken);
            }
            catch (Exception e) when (e is OptionsValidationException or PlatformStartException)
            {
                // Bad configuration or an unreachable cluster: say what to fix instead of a stack trace.
                await result.InvocationConfiguration.Error.WriteLineAsync($"k8s-agent serve: cannot start: {e.Message}");
                return 2;
            }

            await using var _ = platform;
            if (policyFile is not null)
            {
                await output.WriteLineAsync($"policy:   {policyFile.FullName}");
            }

            await output.WriteLineAsync($"API:      {platform.Url}   (OpenAPI: {platform.Url}/openapi/v1.json, metrics: {platform.Url}/metrics)");
            await output.WriteLineAsync($"console:  {platform.Url}/ui   (sign in with a token from the client file below)");
            if (platform.SandboxUrl is { } sandboxUrl)
            {
                await output.WriteLineAsync($"cluster:  sandbox at {sandboxUrl}");
            }

            if (webhookToken is not null)
            {
                var tokenPath = WriteOwnerOnly(Path.Combine(dataDirectory, "webhook-token"), webhookToken);
                await output.WriteLineAsync($"webhook:  {platform.Url}/webhooks/alertmanager   (its bearer token is in {tokenPath}: Alertmanager's http_config.authorization.credentials_file)");
            }

            await output.WriteLineAsync($"tokens:   admin and approver written to {platform.ClientConfigPath}; try: k8s-agent ask \"scale api to 3 in staging\"");
            await platform.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    private static string WriteOwnerOnly(string path, string content)
    {
        File.Delete(path);
        using var stream = OperatingSystem.IsWindows()
            ? new FileStream(path, FileMode.CreateNew, FileAccess.Write)
            : new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
        using var writer = new StreamWriter(stream);
        writer.Write(content);

        return path;
    }

    internal static string DefaultDataDirectory() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "k8s-agent");
}
