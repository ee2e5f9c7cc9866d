using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.KubeSandbox;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Kubernetes;
using K8sAgentPlatform.Policy.Policies;
using static K8sAgentPlatform.Policy.Tests.Intents;

namespace K8sAgentPlatform.Policy.Tests;

/// <summary>The live rules against the sandbox cluster over real HTTP with the real KubernetesClient (demo seed).</summary>
public sealed class SandboxLiveRuleTests : IAsyncLifetime
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
    public async Task An_existing_object_is_approved_with_its_resource_version_and_a_passing_dry_run()
    {
        var verdict = (await evaluator.EvaluateAsync(IntentOf(Scale(2, "staging", "api")))).Operations.Single();

        verdict.Approved.ShouldBeTrue(string.Join("; ", verdict.Reasons));
        verdict.ResourceVersion.ShouldNotBeNullOrEmpty();
        verdict.DryRun.Status.ShouldBe(DryRunStatus.Passed);
    }

    [Fact]
    public async Task A_missing_object_is_rejected_clearly()
    {
        var verdict = (await evaluator.EvaluateAsync(IntentOf(Scale(2, "staging", "ghost")))).Operations.Single();

        verdict.Approved.ShouldBeFalse();
        verdict.Reasons.ShouldContain(r => r.StartsWith("[live.exists]") && r.Contains("ghost"));
    }

    [Fact]
    public async Task A_scale_beyond_the_factor_from_live_replicas_is_rejected()
    {
        var verdict = (await evaluator.EvaluateAsync(IntentOf(Scale(10, "staging", "api")))).Operations.Single();

        verdict.Approved.ShouldBeFalse();
        verdict.Reasons.ShouldContain(r => r.StartsWith("[live.scale_factor]"));
    }

    [Theory]
    [InlineData("web", true)]
    [InlineData("nope", false)]
    public async Task An_image_update_needs_the_container_to_exist(string container, bool approved)
    {
        var verdict = (await evaluator.EvaluateAsync(IntentOf(Image("registry.k8s.io/web", "1.2.3", "staging", container)))).Operations.Single();

        verdict.Approved.ShouldBe(approved, string.Join("; ", verdict.Reasons));
        if (!approved)
        {
            verdict.Reasons.ShouldContain(r => r.StartsWith("[live.container]"));
        }
    }

    [Theory]
    [InlineData(GitOpsMode.Confirm, true)]
    [InlineData(GitOpsMode.Refuse, false)]
    public async Task An_object_managed_by_Argo_CD_needs_confirmation_or_is_refused(GitOpsMode mode, bool approved)
    {
        var client = sandbox.CreateClient();
        await k8s.AppsV1OperationsExtensions.PatchNamespacedDeploymentAsync(client.AppsV1,
            body: new k8s.Models.V1Patch("""{"metadata":{"labels":{"argocd.argoproj.io/instance":"web-staging"}}}""", k8s.Models.V1Patch.PatchType.MergePatch),
            name: "web", namespaceParameter: "staging");
        var gitops = new PolicyEvaluator(PolicySettings.Default with { GitOpsMode = mode }, new KubernetesClusterReader(client));

        var managed = (await gitops.EvaluateAsync(IntentOf(Scale(2, "staging", "web")))).Operations.Single();
        var unmanaged = (await gitops.EvaluateAsync(IntentOf(Scale(2, "staging", "api")))).Operations.Single();

        managed.Approved.ShouldBe(approved, string.Join("; ", managed.Reasons));
        string.Join("; ", managed.Reasons.Concat(managed.Warnings).Concat(managed.ConfirmationBecause)).ShouldContain("Argo CD");
        if (approved)
        {
            managed.RequiresConfirmation.ShouldBeTrue();
        }

        unmanaged.Approved.ShouldBeTrue(string.Join("; ", unmanaged.Reasons));
        unmanaged.Warnings.ShouldNotContain(w => w.Contains("Argo CD"));
    }
}
