using System.CommandLine;
using System.Text;
using System.Text.Json;
using k8s;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Kubernetes;
using K8sAgentPlatform.Policy.Policies;

namespace K8sAgentPlatform.Cli.Commands;

/// <summary>
/// <c>k8s-agent policy test</c>: checks an intent file against the policy, the way teams run
/// <c>kyverno test</c> in CI. Exit 0 when every operation is approved, 1 when any is rejected,
/// 2 when the intent file, the policy file or the options are invalid.
/// </summary>
internal static class PolicyCommand
{
    public const int Approved = 0;
    public const int Rejected = 1;
    public const int Invalid = 2;

    public static Command Create()
    {
        var command = new Command("policy", "Check intents against the safety policy.");
        command.Subcommands.Add(CreateTest());
        return command;
    }

    private static Command CreateTest()
    {
        // Not marked Required: System.CommandLine exits 1 on a parse error, which would read as "rejected".
        var intentOption = new Option<FileInfo>("--intent") { Description = "The intent file (JSON form of the intent model).", HelpName = "FILE" };
        var policyOption = new Option<FileInfo>("--policy") { Description = "The policy file (YAML); the built-in defaults when left out.", HelpName = "FILE" };
        var kubeconfigOption = new Option<FileInfo>("--kubeconfig") { Description = "Run the live checks and the server-side dry run against this cluster.", HelpName = "FILE" };
        var offlineOption = new Option<bool>("--offline") { Description = "Static checks only; no cluster is contacted." };
        var jsonOption = new Option<bool>("--json") { Description = "Print the verdict as JSON." };

        var command = new Command("test", "Evaluate an intent file: exit 0 all approved, 1 any rejected, 2 invalid input.")
        {
            intentOption, policyOption, kubeconfigOption, offlineOption, jsonOption,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.InvocationConfiguration.Output,
            result.InvocationConfiguration.Error,
            result.GetValue(intentOption),
            result.GetValue(policyOption),
            result.GetValue(kubeconfigOption),
            result.GetValue(offlineOption),
            result.GetValue(jsonOption),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(TextWriter output, TextWriter error, FileInfo? intentFile, FileInfo? policyFile, FileInfo? kubeconfig, bool offline, bool json, CancellationToken cancellationToken)
    {
        if (intentFile is null)
        {
            await error.WriteLineAsync("--intent FILE is required.");
            return Invalid;
        }

        if (offline && kubeconfig is not null)
        {
            await error.WriteLineAsync("Give --kubeconfig or --offline, not both.");
            return Invalid;
        }

        if (!intentFile.Exists)
        {
            await error.WriteLineAsync($"The intent file {intentFile.FullName} does not exist.");
            return Invalid;
        }

        if (!IntentJson.TryParse(await File.ReadAllTextAsync(intentFile.FullName, cancellationToken), out var intent, out var intentErrors))
        {
            await error.WriteLineAsync($"The intent file {intentFile.Name} is invalid ({intentErrors.Count} problem{(intentErrors.Count == 1 ? "" : "s")}):");
            foreach (var problem in intentErrors)
            {
                await error.WriteLineAsync($"  {problem}");
            }

            return Invalid;
        }

        PolicySettings settings;
        try
        {
            settings = policyFile is null ? PolicySettings.Default : PolicyFile.Load(policyFile.FullName);
        }
        catch (PolicyFileException e)
        {
            await error.WriteLineAsync(e.Message);
            return Invalid;
        }

        IKubernetes? client = null;
        try
        {
            if (!offline)
            {
                client = await ConnectAsync(kubeconfig, error);
                if (client is null && kubeconfig is not null)
                {
                    return Invalid;
                }
            }

            var cluster = client is null ? null : new KubernetesClusterReader(client);
            var verdict = await new PolicyEvaluator(settings, cluster).EvaluateAsync(intent!, cancellationToken);
            await output.WriteAsync(json ? Json(verdict) : Table(intent!, verdict, live: cluster is not null));
            return verdict.Approved ? Approved : Rejected;
        }
        finally
        {
            client?.Dispose();
        }
    }

    /// <summary>The given kubeconfig, else the default one when it exists; null means static checks only.</summary>
    private static async Task<IKubernetes?> ConnectAsync(FileInfo? kubeconfig, TextWriter error)
    {
        try
        {
            if (kubeconfig is not null)
            {
                if (!kubeconfig.Exists)
                {
                    await error.WriteLineAsync($"The kubeconfig {kubeconfig.FullName} does not exist.");
                    return null;
                }

                return KubernetesClientFactory.Create(new KubernetesOptions { Kubeconfig = kubeconfig.FullName });
            }

            var defaultPath = Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } fromEnv
                ? fromEnv.Split(Path.PathSeparator)[0]
                : KubernetesClientConfiguration.KubeConfigDefaultLocation;
            if (File.Exists(defaultPath))
            {
                return KubernetesClientFactory.Create(new KubernetesOptions { Kubeconfig = defaultPath });
            }

            await error.WriteLineAsync("No kubeconfig found: static checks only (pass --offline to say so, or --kubeconfig FILE).");
            return null;
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or FormatException or YamlDotNet.Core.YamlException)
        {
            await error.WriteLineAsync($"The kubeconfig could not be used: {e.Message}");
            return null;
        }
    }

    private static string Json(IntentVerdict verdict)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("approved", verdict.Approved);
            writer.WriteStartArray("operations");
            foreach (var op in verdict.Operations)
            {
                writer.WriteStartObject();
                writer.WriteNumber("index", op.Index);
                writer.WriteBoolean("approved", op.Approved);
                writer.WriteBoolean("requires_confirmation", op.RequiresConfirmation);
                Strings(writer, "reasons", op.Reasons);
                Strings(writer, "warnings", op.Warnings);
                Strings(writer, "confirmation_because", op.ConfirmationBecause);
                writer.WriteString("policy_risk_level", WireNames.Of(op.PolicyRiskLevel));
                writer.WriteString("model_risk_level", WireNames.Of(op.ModelRiskLevel));
                writer.WriteString("dry_run", op.DryRun.Status.ToString());
                if (op.DryRun.Message is { } message)
                {
                    writer.WriteString("dry_run_message", message);
                }

                if (op.ResourceVersion is { } version)
                {
                    writer.WriteString("resource_version", version);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    private static void Strings(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static string Table(KubernetesIntent intent, IntentVerdict verdict, bool live)
    {
        var text = new StringBuilder();
        text.AppendLine($"{"#",-3} {"VERDICT",-9} {"CONFIRM",-8} {"RISK (policy/model)",-20} OPERATION");
        foreach (var op in verdict.Operations)
        {
            var operation = intent.Operations[op.Index];
            var risk = $"{WireNames.Of(op.PolicyRiskLevel)}/{WireNames.Of(op.ModelRiskLevel)}";
            text.AppendLine($"{op.Index,-3} {(op.Approved ? "approved" : "REJECTED"),-9} {(op.RequiresConfirmation ? "yes" : "no"),-8} {risk,-20} {WireNames.Of(operation.OperationType)} {operation.Target}");
            foreach (var reason in op.Reasons)
            {
                text.AppendLine($"    reason:  {reason}");
            }

            foreach (var warning in op.Warnings)
            {
                text.AppendLine($"    warning: {warning}");
            }

            foreach (var because in op.ConfirmationBecause)
            {
                text.AppendLine($"    confirm: {because}");
            }

            if (op.DryRun.Status != Contracts.DryRunStatus.NotRun)
            {
                text.AppendLine($"    dry run: {op.DryRun.Status}{(op.DryRun.Message is null ? "" : $" ({op.DryRun.Message})")}{(op.ResourceVersion is null ? "" : $", resourceVersion {op.ResourceVersion}")}");
            }
        }

        var rejected = verdict.Operations.Count(o => !o.Approved);
        text.AppendLine(verdict.Approved
            ? $"Approved: {verdict.Operations.Count} operation(s){(verdict.RequiresConfirmation ? ", confirmation required" : "")}{(live ? "" : " (static checks only)")}."
            : $"Rejected: {rejected} of {verdict.Operations.Count} operation(s){(live ? "" : " (static checks only)")}.");
        return text.ToString();
    }
}
