using k8s;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Kubernetes;
using K8sAgentPlatform.Policy.Policies;
using K8sAgentPlatform.Policy.Rules;
using static K8sAgentPlatform.Policy.Tests.Intents;

namespace K8sAgentPlatform.Policy.Tests;

/// <summary>The KubernetesClient-based reader against a stub API server over real HTTP.</summary>
public sealed class KubernetesClusterReaderTests : IAsyncLifetime
{
    private const string Deployments = "/apis/apps/v1/namespaces/staging/deployments";

    private const string Web = """
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"web","namespace":"staging","resourceVersion":"1234",
                     "labels":{"app":"web","argocd.argoproj.io/instance":"shop"}},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
                 "template":{"metadata":{"labels":{"app":"web"}},
                             "spec":{"containers":[{"name":"web","image":"gcr.io/my-project/web:1.0"}],
                                     "initContainers":[{"name":"migrate","image":"gcr.io/my-project/migrate:1.0"}]}}}}
        """;

    private const string Scale = """{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web","namespace":"staging"},"spec":{"replicas":4}}""";

    private readonly KubeApiStub _stub = new();
    private k8s.Kubernetes _client = null!;

    public ValueTask InitializeAsync()
    {
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _stub.Url.TrimEnd('/'), AccessToken = "test-token" });
        _stub.Routes[$"GET {Deployments}/web"] = (200, Web);
        _stub.Routes[$"PATCH {Deployments}/web/scale"] = (200, Scale);
        _stub.Routes[$"PATCH {Deployments}/web"] = (200, Web);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _stub.DisposeAsync();
    }

    private async Task<OperationVerdict> Evaluate(KubernetesOperation operation, PolicySettings? settings = null)
    {
        var evaluator = new PolicyEvaluator(settings ?? PolicySettings.Default with { GitOpsMode = GitOpsMode.Warn }, new KubernetesClusterReader(_client));
        return (await evaluator.EvaluateAsync(IntentOf(RiskLevel.Low, operation), TestContext.Current.CancellationToken)).Operations.Single();
    }

    [Fact]
    public async Task A_deployment_is_read_with_replicas_containers_labels_and_resource_version()
    {
        var live = await new KubernetesClusterReader(_client).GetAsync(ResourceType.Deployment, "staging", "web", TestContext.Current.CancellationToken);

        live.ShouldNotBeNull();
        live.ResourceVersion.ShouldBe("1234");
        live.Replicas.ShouldBe(2);
        live.Containers.ShouldBe(["web", "migrate"]);
        live.Labels["argocd.argoproj.io/instance"].ShouldBe("shop");
    }

    [Fact]
    public async Task A_404_status_reads_as_not_found()
    {
        var live = await new KubernetesClusterReader(_client).GetAsync(ResourceType.Deployment, "staging", "missing", TestContext.Current.CancellationToken);

        live.ShouldBeNull();
    }

    [Fact]
    public async Task Scale_is_dry_run_as_a_merge_patch_on_the_scale_subresource()
    {
        var verdict = await Evaluate(Scale(4));

        verdict.Approved.ShouldBeTrue(string.Join("; ", verdict.Reasons));
        verdict.DryRun.Status.ShouldBe(DryRunStatus.Passed);
        verdict.ResourceVersion.ShouldBe("1234");
        verdict.Warnings.ShouldContain(w => w.Contains("Argo CD"));
        var patch = _stub.Requests.Single(r => r.Method == "PATCH");
        patch.Path.ShouldBe($"{Deployments}/web/scale");
        patch.Query.ShouldContain("dryRun=All");
        patch.ContentType.ShouldStartWith("application/merge-patch+json");
        patch.Body.ShouldBe("""{"spec":{"replicas":4}}""");
    }

    [Fact]
    public async Task Update_image_is_dry_run_as_a_strategic_merge_patch_of_the_container()
    {
        var verdict = await Evaluate(Image("gcr.io/my-project/web", "1.1"));

        verdict.Approved.ShouldBeTrue(string.Join("; ", verdict.Reasons));
        var patch = _stub.Requests.Single(r => r.Method == "PATCH");
        patch.Path.ShouldBe($"{Deployments}/web");
        patch.Query.ShouldContain("dryRun=All");
        patch.ContentType.ShouldStartWith("application/strategic-merge-patch+json");
        patch.Body.ShouldBe("""{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"gcr.io/my-project/web:1.1"}]}}}}""");
    }

    [Fact]
    public async Task Restart_is_dry_run_as_the_restartedAt_annotation_patch()
    {
        (await Evaluate(Op(OperationType.Restart))).Approved.ShouldBeTrue();

        _stub.Requests.Single(r => r.Method == "PATCH").Body.ShouldContain("kubectl.kubernetes.io/restartedAt");
    }

    [Fact]
    public async Task Delete_is_dry_run_as_a_delete_with_background_propagation()
    {
        _stub.Routes[$"DELETE {Deployments}/web"] = (200, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success"}""");

        var verdict = await Evaluate(Delete());

        verdict.Approved.ShouldBeTrue(string.Join("; ", verdict.Reasons));
        verdict.DryRun.Status.ShouldBe(DryRunStatus.Passed);
        var delete = _stub.Requests.Single(r => r.Method == "DELETE");
        delete.Query.ShouldContain("dryRun=All");
        delete.Body.ShouldContain("\"propagationPolicy\":\"Background\"");
    }

    [Fact]
    public async Task Update_config_is_dry_run_as_a_merge_patch_of_the_key()
    {
        _stub.Routes["GET /api/v1/namespaces/staging/configmaps/web"] = (200, """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"web","namespace":"staging","resourceVersion":"5"},"data":{"mode":"slow"}}""");
        _stub.Routes["PATCH /api/v1/namespaces/staging/configmaps/web"] = (200, """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"web"}}""");

        var verdict = await Evaluate(Op(OperationType.UpdateConfig, ResourceType.ConfigMap, parameters: new UpdateConfigParameters { ConfigmapName = "web", Key = "mode", Value = "fast" }));

        verdict.Approved.ShouldBeTrue(string.Join("; ", verdict.Reasons));
        verdict.ResourceVersion.ShouldBe("5");
        var patch = _stub.Requests.Single(r => r.Method == "PATCH");
        patch.ContentType.ShouldStartWith("application/merge-patch+json");
        patch.Body.ShouldBe("""{"data":{"mode":"fast"}}""");
    }

    [Fact]
    public async Task A_dry_run_refused_by_the_server_becomes_a_reason_with_its_status_message()
    {
        _stub.Routes[$"PATCH {Deployments}/web"] = (422, KubeApiStub.Status(422, "Invalid", "spec.template.spec.containers[0].image: Required value"));

        var verdict = await Evaluate(Image("gcr.io/my-project/web", "1.1"));

        verdict.Approved.ShouldBeFalse();
        verdict.DryRun.Status.ShouldBe(DryRunStatus.Failed);
        verdict.Reasons.ShouldContain(r => r.StartsWith($"[{RuleIds.DryRun}]") && r.Contains("HTTP 422") && r.Contains("Required value"));
    }

    [Fact]
    public async Task A_missing_object_is_rejected_over_http()
    {
        var verdict = await Evaluate(Scale(3) with { ResourceName = "missing" });

        verdict.Reasons.ShouldHaveSingleItem().ShouldStartWith($"[{RuleIds.LiveExists}]");
    }

    [Fact]
    public async Task A_missing_container_is_rejected_over_http()
    {
        var verdict = await Evaluate(Image("gcr.io/my-project/web", "1.1", container: "api"));

        verdict.Reasons.ShouldHaveSingleItem().ShouldStartWith($"[{RuleIds.LiveContainer}]");
        _stub.Requests.ShouldNotContain(r => r.Method == "PATCH");
    }

    [Fact]
    public async Task Scaling_beyond_the_factor_from_live_replicas_is_rejected_over_http()
    {
        var verdict = await Evaluate(Scale(7));

        verdict.Reasons.ShouldHaveSingleItem().ShouldStartWith($"[{RuleIds.LiveScaleFactor}]");
    }

    [Fact]
    public async Task A_server_error_is_a_reason_not_a_crash()
    {
        _stub.Routes[$"GET {Deployments}/web"] = (500, KubeApiStub.Status(500, "InternalError", "etcdserver: request timed out"));

        var verdict = await Evaluate(Scale(3));

        verdict.Reasons.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            r => r.ShouldStartWith($"[{RuleIds.ApiFailure}]"),
            r => r.ShouldContain("etcdserver: request timed out"));
    }

    [Fact]
    public async Task An_unreachable_server_is_a_reason_not_a_crash()
    {
        await _stub.DisposeAsync();

        var verdict = await Evaluate(Scale(3));

        verdict.Reasons.ShouldHaveSingleItem().ShouldStartWith($"[{RuleIds.ApiFailure}]");
    }

    [Fact]
    public async Task A_drain_reads_pods_on_the_node_and_their_pdbs_and_dry_runs_the_cordon()
    {
        _stub.Routes["GET /api/v1/nodes/worker-1"] = (200, """{"apiVersion":"v1","kind":"Node","metadata":{"name":"worker-1","resourceVersion":"9"}}""");
        _stub.Routes["PATCH /api/v1/nodes/worker-1"] = (200, """{"apiVersion":"v1","kind":"Node","metadata":{"name":"worker-1"},"spec":{"unschedulable":true}}""");
        _stub.Routes["GET /api/v1/pods"] = (200, """
            {"apiVersion":"v1","kind":"PodList","metadata":{"resourceVersion":"10"},"items":[
              {"metadata":{"name":"web-1","namespace":"shop","labels":{"app":"web"}}},
              {"metadata":{"name":"web-2","namespace":"shop","labels":{"app":"web"}}},
              {"metadata":{"name":"agent","namespace":"shop","labels":{"app":"web"},
                           "ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"agent","uid":"u1"}]}}]}
            """);
        _stub.Routes["GET /apis/policy/v1/namespaces/shop/poddisruptionbudgets"] = (200, """
            {"apiVersion":"policy/v1","kind":"PodDisruptionBudgetList","metadata":{"resourceVersion":"11"},"items":[
              {"metadata":{"name":"web-pdb","namespace":"shop"},
               "spec":{"selector":{"matchLabels":{"app":"web"}}},
               "status":{"disruptionsAllowed":1,"currentHealthy":3,"desiredHealthy":2,"expectedPods":3}}]}
            """);
        var evaluator = new PolicyEvaluator(PolicySettings.Default, new KubernetesClusterReader(_client));

        var verdict = (await evaluator.EvaluateAsync(IntentOf(RiskLevel.High, Node(OperationType.DrainNode)), TestContext.Current.CancellationToken)).Operations.Single();

        verdict.Reasons.ShouldHaveSingleItem().ShouldContain("would evict 2 pod(s)");
        _stub.Requests.ShouldContain(r => r.Path == "/api/v1/pods" && Uri.UnescapeDataString(r.Query).Contains("spec.nodeName=worker-1"));

        _stub.Routes["GET /apis/policy/v1/namespaces/shop/poddisruptionbudgets"] = (200, """{"apiVersion":"policy/v1","kind":"PodDisruptionBudgetList","metadata":{},"items":[]}""");
        var approved = (await evaluator.EvaluateAsync(IntentOf(RiskLevel.High, Node(OperationType.DrainNode)), TestContext.Current.CancellationToken)).Operations.Single();
        approved.Approved.ShouldBeTrue(string.Join("; ", approved.Reasons));
        approved.DryRun.Status.ShouldBe(DryRunStatus.Passed);
        approved.ResourceVersion.ShouldBe("9");
        var cordon = _stub.Requests.Last(r => r.Method == "PATCH");
        cordon.Query.ShouldContain("dryRun=All");
        cordon.Body.ShouldBe("""{"spec":{"unschedulable":true}}""");
    }
}

public sealed class ManifestDryRunTests : IAsyncLifetime
{
    private const string Manifest = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: cfg, namespace: staging}
        data: {mode: "fast", retries: "3"}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: staging}
        spec:
          replicas: 2
          template:
            spec:
              containers: [{name: web, image: gcr.io/my-project/web:1.0}]
        """;

    private readonly KubeApiStub _stub = new();
    private k8s.Kubernetes _client = null!;

    public ValueTask InitializeAsync()
    {
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _stub.Url.TrimEnd('/') });
        _stub.Routes["PATCH /api/v1/namespaces/staging/configmaps/cfg"] = (200, """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"}}""");
        _stub.Routes["PATCH /apis/apps/v1/namespaces/staging/deployments/web"] = (200, """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}}""");
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _stub.DisposeAsync();
    }

    private async Task<OperationVerdict> Evaluate() =>
        (await new PolicyEvaluator(PolicySettings.Default, new KubernetesClusterReader(_client))
            .EvaluateAsync(IntentOf(RiskLevel.Medium, Intents.Manifest(Manifest)), TestContext.Current.CancellationToken)).Operations.Single();

    [Fact]
    public async Task Every_manifest_object_is_dry_run_with_server_side_apply()
    {
        var verdict = await Evaluate();

        verdict.Approved.ShouldBeTrue(string.Join("; ", verdict.Reasons));
        verdict.DryRun.Status.ShouldBe(DryRunStatus.Passed);
        var patches = _stub.Requests.Where(r => r.Method == "PATCH").ToArray();
        patches.Select(p => p.Path).ShouldBe(["/api/v1/namespaces/staging/configmaps/cfg", "/apis/apps/v1/namespaces/staging/deployments/web"]);
        patches.ShouldAllBe(p => p.ContentType.StartsWith("application/apply-patch+yaml") && p.Query.Contains("dryRun=All") && p.Query.Contains("fieldManager=k8s-agent") && p.Query.Contains("force=true"));
        patches[1].Body.ShouldContain("\"replicas\":2");
        patches[0].Body.ShouldContain("\"retries\":\"3\"");
    }

    [Fact]
    public async Task A_manifest_object_refused_by_the_server_is_named_in_the_reason()
    {
        _stub.Routes["PATCH /apis/apps/v1/namespaces/staging/deployments/web"] = (422, KubeApiStub.Status(422, "Invalid", "spec.selector: Required value"));

        var verdict = await Evaluate();

        verdict.Approved.ShouldBeFalse();
        verdict.Reasons.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            r => r.ShouldStartWith($"[{RuleIds.DryRun}]"),
            r => r.ShouldContain("Deployment/web"),
            r => r.ShouldContain("spec.selector: Required value"));
    }
}

public sealed class YamlJsonTests
{
    [Fact]
    public void Plain_scalars_are_typed_like_kubectl_and_quoted_ones_stay_strings()
    {
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader("""
            a: 3
            b: "3"
            c: yes
            d: 'on'
            e: 1.5
            f: ~
            g: v1.2
            h: [1, x]
            i: !!str 7
            """));

        var json = YamlJson.ToJson(stream.Documents[0].RootNode)!.ToJsonString();

        json.ShouldBe("""{"a":3,"b":"3","c":true,"d":"on","e":1.5,"f":null,"g":"v1.2","h":[1,"x"],"i":"7"}""");
    }
}
