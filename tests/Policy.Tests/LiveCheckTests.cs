using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Kubernetes;
using K8sAgentPlatform.Policy.Policies;
using K8sAgentPlatform.Policy.Rules;
using static K8sAgentPlatform.Policy.Tests.Intents;

namespace K8sAgentPlatform.Policy.Tests;

public sealed class LiveCheckTests
{
    private static async Task<OperationVerdict> Check(FakeCluster cluster, KubernetesOperation operation, PolicySettings? settings = null, RiskLevel risk = RiskLevel.Low)
    {
        var verdict = await new PolicyEvaluator(settings ?? PolicySettings.Default, cluster).EvaluateAsync(IntentOf(risk, operation), TestContext.Current.CancellationToken);
        return verdict.Operations.ShouldHaveSingleItem();
    }

    private static void ShouldBeRejectedBy(OperationVerdict verdict, string ruleId)
    {
        verdict.Approved.ShouldBeFalse();
        verdict.Reasons.ShouldContain(r => r.StartsWith($"[{ruleId}]"), $"reasons: {string.Join("; ", verdict.Reasons)}");
    }

    [Fact]
    public async Task An_existing_object_is_approved_with_its_resource_version_and_dry_run()
    {
        var verdict = await Check(FakeCluster.WithWeb(), Scale(4));

        verdict.Approved.ShouldBeTrue(string.Join("; ", verdict.Reasons));
        verdict.ResourceVersion.ShouldBe("42");
        verdict.DryRun.Status.ShouldBe(DryRunStatus.Passed);
        verdict.LiveChecked.ShouldBeTrue();
    }

    [Fact]
    public async Task A_missing_object_is_a_clear_rejection()
    {
        var verdict = await Check(new FakeCluster(), Scale(4));

        ShouldBeRejectedBy(verdict, RuleIds.LiveExists);
        verdict.Reasons.ShouldContain(r => r.Contains("deployment/web in staging was not found"));
    }

    [Fact]
    public async Task A_statically_rejected_operation_never_reaches_the_cluster()
    {
        var cluster = FakeCluster.WithWeb();

        var verdict = await Check(cluster, Scale(4, "kube-system"));

        verdict.Approved.ShouldBeFalse();
        cluster.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_image_update_of_an_existing_container_is_approved_and_of_a_missing_one_rejected()
    {
        (await Check(FakeCluster.WithWeb(2, "web", "sidecar"), Image("gcr.io/my-project/web", "1.2", container: "sidecar"))).Approved.ShouldBeTrue();

        var verdict = await Check(FakeCluster.WithWeb(2, "web", "sidecar"), Image("gcr.io/my-project/web", "1.2", container: "api"));
        ShouldBeRejectedBy(verdict, RuleIds.LiveContainer);
        verdict.Reasons.ShouldContain(r => r.Contains("web, sidecar"));
    }

    [Theory]
    [InlineData(2, 6, true)]
    [InlineData(2, 7, false)]
    [InlineData(0, 3, true)]
    [InlineData(0, 4, false)]
    [InlineData(null, 3, true)]
    [InlineData(10, 1, true)]
    public async Task The_scale_factor_is_measured_from_live_replicas_with_zero_counting_as_one(int? live, int target, bool approved)
    {
        var verdict = await Check(FakeCluster.WithWeb(live), Scale(target));

        verdict.Approved.ShouldBe(approved, string.Join("; ", verdict.Reasons));
        if (!approved)
        {
            ShouldBeRejectedBy(verdict, RuleIds.LiveScaleFactor);
        }
    }

    [Fact]
    public async Task The_scale_factor_applies_to_statefulsets_and_replicasets_too()
    {
        var cluster = new FakeCluster()
            .With(ResourceType.StatefulSet, "staging", "db", new LiveObject { Replicas = 1 })
            .With(ResourceType.ReplicaSet, "staging", "rs", new LiveObject { Replicas = 1 });

        ShouldBeRejectedBy(await Check(cluster, Scale(4, name: "db", resource: ResourceType.StatefulSet)), RuleIds.LiveScaleFactor);
        ShouldBeRejectedBy(await Check(cluster, Scale(4, name: "rs", resource: ResourceType.ReplicaSet)), RuleIds.LiveScaleFactor);
    }

    [Fact]
    public async Task A_drain_that_would_violate_a_pdb_is_rejected()
    {
        var cluster = DrainCluster(disruptionsAllowed: 1, podsOnNode: 2);

        var verdict = await Check(cluster, Node(OperationType.DrainNode), risk: RiskLevel.High);

        ShouldBeRejectedBy(verdict, RuleIds.LivePdb);
        verdict.Reasons.ShouldContain(r => r.Contains("shop/web-pdb"));
    }

    [Fact]
    public async Task A_drain_within_the_pdb_budget_is_approved_with_confirmation()
    {
        var cluster = DrainCluster(disruptionsAllowed: 2, podsOnNode: 2);

        var verdict = await Check(cluster, Node(OperationType.DrainNode), risk: RiskLevel.High);

        verdict.Approved.ShouldBeTrue(string.Join("; ", verdict.Reasons));
        verdict.RequiresConfirmation.ShouldBeTrue();
    }

    [Fact]
    public async Task Daemonset_pods_do_not_count_against_a_pdb_when_they_stay()
    {
        var cluster = DrainCluster(disruptionsAllowed: 0, podsOnNode: 0);
        cluster.PodsByNode["worker-1"].Add(new LivePod("shop", "agent", new Dictionary<string, string> { ["app"] = "web" }, OwnedByDaemonSet: true));

        (await Check(cluster, Node(OperationType.DrainNode), risk: RiskLevel.High)).Approved.ShouldBeTrue();
    }

    private static FakeCluster DrainCluster(int disruptionsAllowed, int podsOnNode)
    {
        var cluster = new FakeCluster().With(ResourceType.Node, null, "worker-1", new LiveObject { ResourceVersion = "7" });
        cluster.PodsByNode["worker-1"] = Enumerable.Range(0, podsOnNode)
            .Select(i => new LivePod("shop", $"web-{i}", new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" }, false))
            .Append(new LivePod("shop", "other", new Dictionary<string, string> { ["app"] = "other" }, false))
            .ToList();
        cluster.Budgets["shop"] =
        [
            new LiveDisruptionBudget("shop", "web-pdb", new Dictionary<string, string> { ["app"] = "web" },
                [new LabelRequirement("tier", "In", ["front", "back"])], disruptionsAllowed),
        ];
        return cluster;
    }

    [Theory]
    [InlineData("argocd.argoproj.io/instance", true)]
    [InlineData("kustomize.toolkit.fluxcd.io/name", true)]
    [InlineData("helm.toolkit.fluxcd.io/name", true)]
    [InlineData("argocd.argoproj.io/tracking-id", false)]
    public async Task GitOps_managed_objects_are_reported_and_need_confirmation_by_default(string key, bool isLabel)
    {
        var marks = new Dictionary<string, string> { [key] = "web" };
        var cluster = new FakeCluster().With(ResourceType.Deployment, "staging", "web",
            new LiveObject { Replicas = 2, Labels = isLabel ? marks : new Dictionary<string, string>(), Annotations = isLabel ? new Dictionary<string, string>() : marks });

        var verdict = await Check(cluster, Scale(3));

        verdict.Approved.ShouldBeTrue();
        verdict.RequiresConfirmation.ShouldBeTrue();
        verdict.Warnings.ShouldContain(w => w.StartsWith($"[{RuleIds.GitOps}]"));
    }

    [Fact]
    public async Task GitOps_mode_refuse_rejects_and_warn_only_warns()
    {
        var cluster = new FakeCluster().With(ResourceType.Deployment, "staging", "web",
            new LiveObject { Replicas = 2, Labels = new Dictionary<string, string> { ["argocd.argoproj.io/instance"] = "shop" } });

        ShouldBeRejectedBy(await Check(cluster, Scale(3), PolicySettings.Default with { GitOpsMode = GitOpsMode.Refuse }), RuleIds.GitOps);

        var warned = await Check(cluster, Scale(3), PolicySettings.Default with { GitOpsMode = GitOpsMode.Warn });
        warned.Approved.ShouldBeTrue();
        warned.RequiresConfirmation.ShouldBeFalse();
        warned.Warnings.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Objects_without_gitops_marks_carry_no_gitops_warning()
    {
        var verdict = await Check(FakeCluster.WithWeb(), Scale(3));

        verdict.Warnings.ShouldBeEmpty();
        verdict.RequiresConfirmation.ShouldBeFalse();
    }

    [Fact]
    public async Task A_failed_dry_run_becomes_a_reason()
    {
        var cluster = FakeCluster.WithWeb();
        cluster.DryRun = _ => new DryRunOutcome(DryRunStatus.Failed, "HTTP 422: admission webhook denied the request");

        var verdict = await Check(cluster, Scale(3));

        ShouldBeRejectedBy(verdict, RuleIds.DryRun);
        verdict.Reasons.ShouldContain(r => r.Contains("admission webhook denied"));
        verdict.DryRun.Status.ShouldBe(DryRunStatus.Failed);
    }

    [Fact]
    public async Task Read_only_operations_are_not_dry_run_and_dry_run_can_be_turned_off()
    {
        var cluster = FakeCluster.WithWeb();

        (await Check(cluster, Op(OperationType.GetStatus))).DryRun.ShouldBe(DryRunOutcome.NotRun);
        (await Check(cluster, Scale(3), PolicySettings.Default with { DryRun = false })).DryRun.ShouldBe(DryRunOutcome.NotRun);
        cluster.Calls.ShouldNotContain(c => c.StartsWith("dry-run"));
    }

    [Fact]
    public async Task An_api_failure_is_a_reason_not_a_crash()
    {
        var cluster = new FakeCluster { FailWith = new ClusterApiException(503, "the server is currently unable to handle the request") };

        var verdict = await Check(cluster, Scale(3));

        ShouldBeRejectedBy(verdict, RuleIds.ApiFailure);
        verdict.Reasons.ShouldContain(r => r.Contains("HTTP 503"));
    }

    [Fact]
    public async Task A_network_failure_is_a_reason_not_a_crash()
    {
        var cluster = new FakeCluster { FailWith = new HttpRequestException("Connection refused") };

        ShouldBeRejectedBy(await Check(cluster, Scale(3)), RuleIds.ApiFailure);
    }

    [Fact]
    public async Task Apply_manifest_does_not_require_its_target_to_exist()
    {
        var manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: staging}\ndata: {a: b}\n";
        var cluster = new FakeCluster { DryRun = _ => new DryRunOutcome(DryRunStatus.NotApplicable, "not yet") };

        var verdict = await Check(cluster, Manifest(manifest));

        verdict.Approved.ShouldBeTrue(string.Join("; ", verdict.Reasons));
        verdict.Warnings.ShouldContain(w => w.StartsWith($"[{RuleIds.DryRun}]"));
    }
}

public sealed class ManifestGitOpsTests
{
    [Fact]
    public async Task Manifest_objects_that_exist_and_are_gitops_managed_are_handled_per_mode()
    {
        const string manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: staging}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: fresh, namespace: staging}\n";
        var cluster = new FakeCluster().With(ResourceType.ConfigMap, "staging", "cfg",
            new LiveObject { Labels = new Dictionary<string, string> { ["kustomize.toolkit.fluxcd.io/name"] = "apps" } });

        var refused = (await new PolicyEvaluator(PolicySettings.Default with { GitOpsMode = GitOpsMode.Refuse }, cluster)
            .EvaluateAsync(IntentOf(RiskLevel.Medium, Manifest(manifest)), TestContext.Current.CancellationToken)).Operations.Single();
        var confirmed = (await new PolicyEvaluator(PolicySettings.Default, cluster)
            .EvaluateAsync(IntentOf(RiskLevel.Medium, Manifest(manifest)), TestContext.Current.CancellationToken)).Operations.Single();

        refused.Reasons.ShouldHaveSingleItem().ShouldContain("ConfigMap/cfg in staging is managed by Flux");
        confirmed.Approved.ShouldBeTrue(string.Join("; ", confirmed.Reasons));
        confirmed.RequiresConfirmation.ShouldBeTrue();
        cluster.Calls.ShouldContain("get configmap/staging/fresh");
    }
}
