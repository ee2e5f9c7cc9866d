using System.Text;
using System.Text.Json;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.KubeSandbox;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Kubernetes;
using K8sAgentPlatform.Policy.Policies;
using static K8sAgentPlatform.Policy.Tests.Intents;

namespace K8sAgentPlatform.Policy.Tests;

/// <summary>
/// The diff a verdict carries is the live object against the server's dry-run result, on the sandbox over real HTTP
/// (demo seed): only the fields the change touches, never server metadata, never a Secret's value.
/// </summary>
public sealed class DryRunDiffTests : IAsyncLifetime
{
    private SandboxServer sandbox = null!;
    private PolicyEvaluator evaluator = null!;

    public async ValueTask InitializeAsync()
    {
        sandbox = await SandboxServer.StartAsync(new SandboxOptions { Seed = "demo" });
        evaluator = new PolicyEvaluator(PolicySettings.Default, new KubernetesClusterReader(sandbox.CreateClient()));
    }

    public async ValueTask DisposeAsync() => await sandbox.DisposeAsync();

    [Fact]
    public async Task An_image_update_shows_the_container_image_old_and_new_and_nothing_else()
    {
        var verdict = await EvaluateAsync(Image("registry.k8s.io/web", "1.2.3", "staging", "web"));

        verdict.Diff.ShouldBe([new FieldChange("spec.template.spec.containers[0].image", "\"nginx:1.27.2\"", "\"registry.k8s.io/web:1.2.3\"")]);
    }

    [Fact]
    public async Task A_scale_shows_the_replicas_old_and_new()
    {
        var verdict = await EvaluateAsync(Scale(2, "staging", "api"));

        verdict.Diff.ShouldBe([new FieldChange("spec.replicas", "1", "2")]);
    }

    [Fact]
    public async Task A_secret_update_names_the_key_and_never_a_value()
    {
        const string newValue = "n3w-Database-S3cret";
        var verdict = await EvaluateAsync(Op(OperationType.UpdateConfig, ResourceType.Secret, "api-credentials", "staging",
            new UpdateConfigParameters { ConfigmapName = "api-credentials", Key = "DATABASE_PASSWORD", Value = newValue }));
        var added = await EvaluateAsync(Op(OperationType.UpdateConfig, ResourceType.Secret, "api-credentials", "staging",
            new UpdateConfigParameters { ConfigmapName = "api-credentials", Key = "API_TOKEN", Value = newValue }));

        // A real API server folds stringData into data; the sandbox keeps it as written. Either way the key is named.
        verdict.Diff.ShouldContain(c => (c.Path == "data.DATABASE_PASSWORD" || c.Path == "stringData.DATABASE_PASSWORD") && c.After == FieldChange.Redacted);
        added.Diff.ShouldContain(c => (c.Path == "data.API_TOKEN" || c.Path == "stringData.API_TOKEN") && c.Before == null && c.After == FieldChange.Redacted);
        verdict.Diff.Concat(added.Diff).ShouldAllBe(c => (c.Before == null || c.Before == FieldChange.Redacted) && (c.After == null || c.After == FieldChange.Redacted));
        var shown = JsonSerializer.Serialize(verdict.Diff.Concat(added.Diff));
        foreach (var secret in new[] { newValue, Base64(newValue), "sandbox-staging-password", Base64("sandbox-staging-password") })
        {
            shown.ShouldNotContain(secret);
        }
    }

    [Fact]
    public async Task A_config_map_update_shows_the_value_old_and_new()
    {
        var verdict = await EvaluateAsync(Op(OperationType.UpdateConfig, ResourceType.ConfigMap, "api-config", "staging",
            new UpdateConfigParameters { ConfigmapName = "api-config", Key = "LOG_LEVEL", Value = "info" }));

        verdict.Diff.ShouldBe([new FieldChange("data.LOG_LEVEL", "\"debug\"", "\"info\"")]);
    }

    [Fact]
    public async Task A_restart_shows_the_same_diff_each_time_it_is_checked()
    {
        var first = await EvaluateAsync(Op(OperationType.Restart, ResourceType.Deployment, "web", "staging"));
        var again = await EvaluateAsync(Op(OperationType.Restart, ResourceType.Deployment, "web", "staging"));

        first.Diff.ShouldBe([new FieldChange("spec.template.metadata.annotations[\"kubectl.kubernetes.io/restartedAt\"]", null, "(the time the restart runs)")]);
        again.Diff.ShouldBe(first.Diff);
    }

    [Fact]
    public async Task A_manifest_names_each_object_it_changes()
    {
        const string manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: api-config
              namespace: staging
            data:
              LOG_LEVEL: warn
              FEATURE_CHECKOUT_V2: "false"
            """;
        var verdict = await EvaluateAsync(Manifest(manifest, "staging"));

        verdict.Approved.ShouldBeTrue(string.Join("; ", verdict.Reasons));
        verdict.Diff.ShouldContain(new FieldChange("ConfigMap/api-config: data.LOG_LEVEL", "\"debug\"", "\"warn\""));
        verdict.Diff.ShouldNotContain(c => c.Path.Contains("FEATURE_CHECKOUT_V2") || c.Path.Contains("managedFields") || c.Path.Contains("resourceVersion"));
    }

    [Fact]
    public async Task A_rejected_or_read_only_operation_carries_no_diff()
    {
        (await EvaluateAsync(Scale(10, "staging", "api"))).Diff.ShouldBeEmpty();
        (await EvaluateAsync(Op(OperationType.GetStatus, ResourceType.Deployment, "api", "staging"))).Diff.ShouldBeEmpty();
    }

    private async Task<OperationVerdict> EvaluateAsync(KubernetesOperation operation) =>
        (await evaluator.EvaluateAsync(IntentOf(operation), TestContext.Current.CancellationToken)).Operations.Single();

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
