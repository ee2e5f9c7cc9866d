using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Policies;
using K8sAgentPlatform.Policy.Rules;
using static K8sAgentPlatform.Policy.Tests.Intents;

namespace K8sAgentPlatform.Policy.Tests;

public sealed class ManifestRuleTests
{
    private const string GoodDeployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: staging
        spec:
          replicas: 3
          template:
            spec:
              initContainers:
                - name: init
                  image: registry.k8s.io/busybox:1.36
              containers:
                - name: web
                  image: gcr.io/my-project/web:1.2.3
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: staging
        spec:
          ports: [{port: 80}]
        """;

    private static OperationVerdict Check(string manifest, string ns = "staging") =>
        new PolicyEvaluator(PolicySettings.Default).EvaluateStatic(IntentOf(RiskLevel.Medium, Manifest(manifest, ns))).Operations.ShouldHaveSingleItem();

    private static void ShouldBeRejectedBy(OperationVerdict verdict, string ruleId)
    {
        verdict.Approved.ShouldBeFalse();
        verdict.Reasons.ShouldContain(r => r.StartsWith($"[{ruleId}]"), $"reasons: {string.Join("; ", verdict.Reasons)}");
    }

    [Fact]
    public void A_manifest_of_allowed_objects_in_the_operations_namespace_is_approved_at_high_risk_with_a_second_person()
    {
        var verdict = Check(GoodDeployment);

        verdict.Approved.ShouldBeTrue(string.Join("; ", verdict.Reasons));
        verdict.PolicyRiskLevel.ShouldBe(RiskLevel.High);
        verdict.RequiresSecondPerson.ShouldBeTrue();
    }

    [Fact]
    public void Every_document_is_checked_not_only_the_first()
    {
        var verdict = Check(GoodDeployment + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: other\n");

        ShouldBeRejectedBy(verdict, RuleIds.ManifestNamespace);
        verdict.Reasons.ShouldContain(r => r.Contains("document 3"));
    }

    [Fact]
    public void A_kind_outside_the_allowlist_is_rejected()
    {
        ShouldBeRejectedBy(Check("apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc, namespace: staging}\n"), RuleIds.ManifestKind);
    }

    [Fact]
    public void A_missing_namespace_is_rejected()
    {
        ShouldBeRejectedBy(Check("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n"), RuleIds.ManifestNamespace);
    }

    [Theory]
    [InlineData("ClusterRole")]
    [InlineData("ClusterRoleBinding")]
    [InlineData("Namespace")]
    [InlineData("CustomResourceDefinition")]
    public void Cluster_scoped_objects_are_rejected_even_when_allowlisted(string kind)
    {
        var settings = PolicySettings.Default with { ManifestAllowedKinds = [kind] };
        var verdict = new PolicyEvaluator(settings).EvaluateStatic(IntentOf(RiskLevel.Medium,
            Manifest($"apiVersion: v1\nkind: {kind}\nmetadata: {{name: x, namespace: staging}}\n"))).Operations.Single();

        ShouldBeRejectedBy(verdict, RuleIds.ManifestClusterScoped);
    }

    [Fact]
    public void A_rolebinding_to_a_clusterrole_is_rejected_and_to_a_role_approved()
    {
        const string binding = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: b, namespace: staging}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: KIND, name: admin}
            subjects: [{kind: ServiceAccount, name: web, namespace: staging}]
            """;

        ShouldBeRejectedBy(Check(binding.Replace("KIND", "ClusterRole")), RuleIds.ManifestRbac);
        Check(binding.Replace("KIND", "Role")).Approved.ShouldBeTrue();
    }

    [Fact]
    public void Images_inside_pod_templates_are_checked_like_update_image()
    {
        ShouldBeRejectedBy(Check(GoodDeployment.Replace("gcr.io/my-project/web:1.2.3", "gcr.io/my-project-evil/web:1.2.3")), RuleIds.ImageRegistry);
        ShouldBeRejectedBy(Check(GoodDeployment.Replace("registry.k8s.io/busybox:1.36", "busybox")), RuleIds.ImageRegistry);
        ShouldBeRejectedBy(Check(GoodDeployment.Replace("staging", "prod-web").Replace("web:1.2.3", "web:latest"), "prod-web"), RuleIds.MutableTag);
    }

    [Fact]
    public void A_cronjob_container_nested_deeply_is_found()
    {
        const string cron = """
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: nightly, namespace: prod-web}
            spec:
              schedule: "0 1 * * *"
              jobTemplate:
                spec:
                  template:
                    spec:
                      containers: [{name: job, image: gcr.io/my-project/job}]
            """;

        ShouldBeRejectedBy(Check(cron, "prod-web"), RuleIds.MutableTag);
    }

    [Fact]
    public void Replicas_above_the_maximum_in_a_manifest_are_rejected()
    {
        ShouldBeRejectedBy(Check(GoodDeployment.Replace("replicas: 3", "replicas: 80")), RuleIds.MaxReplicas);
    }

    [Theory]
    [InlineData("a: [1, 2\n")]
    [InlineData("just a string\n")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\n")]
    [InlineData("---\n---\n")]
    public void Malformed_manifests_are_rejected(string manifest)
    {
        ShouldBeRejectedBy(Check(manifest), RuleIds.ManifestParse);
    }

    [Fact]
    public void Yaml_aliases_are_refused_so_a_billion_laughs_cannot_expand()
    {
        const string laughs = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: x, namespace: staging}
            data:
              a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
              b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
              c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
              d: [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            """;

        ShouldBeRejectedBy(Check(laughs), RuleIds.ManifestParse);
    }
}
