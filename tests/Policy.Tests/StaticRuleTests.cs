using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Policies;
using K8sAgentPlatform.Policy.Rules;
using static K8sAgentPlatform.Policy.Tests.Intents;

namespace K8sAgentPlatform.Policy.Tests;

public sealed class StaticRuleTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static OperationVerdict Check(KubernetesOperation operation, PolicySettings? settings = null, RiskLevel risk = RiskLevel.Low) =>
        new PolicyEvaluator(settings ?? PolicySettings.Default).EvaluateStatic(IntentOf(risk, operation)).Operations.ShouldHaveSingleItem();

    private static void ShouldBeApproved(OperationVerdict verdict) =>
        verdict.Approved.ShouldBeTrue(string.Join("; ", verdict.Reasons));

    private static void ShouldBeRejectedBy(OperationVerdict verdict, string ruleId)
    {
        verdict.Approved.ShouldBeFalse();
        verdict.Reasons.ShouldContain(r => r.StartsWith($"[{ruleId}]"), $"reasons: {string.Join("; ", verdict.Reasons)}");
    }

    [Fact]
    public void A_scale_in_an_ordinary_namespace_is_approved_without_confirmation()
    {
        var verdict = Check(Scale(3));

        ShouldBeApproved(verdict);
        verdict.RequiresConfirmation.ShouldBeFalse();
        verdict.PolicyRiskLevel.ShouldBe(RiskLevel.Low);
    }

    [Theory]
    [InlineData("kube-system")]
    [InlineData("kube-public")]
    [InlineData("kube-node-lease")]
    public void Operations_in_protected_namespaces_are_rejected(string ns)
    {
        ShouldBeRejectedBy(Check(Scale(3, ns)), RuleIds.ProtectedNamespace);
        ShouldBeRejectedBy(Check(Op(OperationType.GetStatus, ns: ns)), RuleIds.ProtectedNamespace);
    }

    [Theory]
    [InlineData("kube-system-tools")]
    [InlineData("system")]
    public void Namespaces_that_only_resemble_protected_ones_are_not_protected(string ns)
    {
        ShouldBeApproved(Check(Scale(3, ns)));
    }

    [Fact]
    public void Deleting_a_protected_namespace_object_is_rejected_as_protected()
    {
        ShouldBeRejectedBy(Check(Delete(ResourceType.Namespace, "kube-system", null), PolicySettings.Default with { AllowNamespaceDeletion = true }), RuleIds.ProtectedNamespace);
    }

    [Fact]
    public void Allowed_namespaces_admit_listed_and_reject_others()
    {
        var settings = PolicySettings.Default with { AllowedNamespaces = ["staging"] };

        ShouldBeApproved(Check(Scale(3, "staging"), settings));
        ShouldBeRejectedBy(Check(Scale(3, "payments"), settings), RuleIds.AllowedNamespace);
    }

    [Fact]
    public void An_empty_allowed_list_admits_any_unprotected_namespace()
    {
        ShouldBeApproved(Check(Scale(3, "anything-goes")));
    }

    [Theory]
    [InlineData("web/../../secrets")]
    [InlineData("web\u0430")] // Cyrillic 'а'
    [InlineData("web ")]
    [InlineData("we b")]
    [InlineData("Web")]
    [InlineData("..")]
    [InlineData("web\n")]
    [InlineData("-web")]
    public void Names_that_are_not_dns_1123_are_rejected(string name)
    {
        ShouldBeRejectedBy(Check(Scale(3, name: name)), RuleIds.Dns1123);
    }

    [Theory]
    [InlineData("staging\u200b")]
    [InlineData("Staging")]
    [InlineData("stag/ing")]
    public void Namespaces_that_are_not_dns_1123_labels_are_rejected(string ns)
    {
        ShouldBeRejectedBy(Check(Scale(3, ns)), RuleIds.Dns1123);
    }

    [Fact]
    public void A_dotted_name_is_a_valid_subdomain()
    {
        ShouldBeApproved(Check(Scale(3, name: "web.v2")));
    }

    [Fact]
    public void Parameters_of_another_operation_type_are_rejected()
    {
        ShouldBeRejectedBy(Check(Op(OperationType.Scale, parameters: new GetLogsParameters { TailLines = 5 })), RuleIds.ParametersFit);
        ShouldBeRejectedBy(Check(Op(OperationType.Scale, ResourceType.ConfigMap, parameters: new ScaleParameters { Replicas = 1 })), RuleIds.ParametersFit);
        ShouldBeRejectedBy(Check(Op(OperationType.Scale)), RuleIds.ParametersFit);
    }

    [Fact]
    public void Parameters_that_fit_are_approved()
    {
        ShouldBeApproved(Check(Op(OperationType.GetLogs, parameters: new GetLogsParameters { TailLines = 5 })));
        ShouldBeApproved(Check(Op(OperationType.Restart)));
    }

    [Fact]
    public void Deletes_in_an_intent_spanning_namespaces_are_rejected()
    {
        var verdict = new PolicyEvaluator(PolicySettings.Default).EvaluateStatic(IntentOf(RiskLevel.High, Delete(ns: "staging"), Scale(2, "dev")));

        ShouldBeRejectedBy(verdict.Operations[0], RuleIds.CrossNamespaceDelete);
        verdict.Approved.ShouldBeFalse();
    }

    [Fact]
    public void Deletes_in_a_single_namespace_intent_are_approved()
    {
        var verdict = new PolicyEvaluator(PolicySettings.Default).EvaluateStatic(IntentOf(RiskLevel.High, Delete(ns: "staging"), Scale(2, "staging")));

        verdict.Approved.ShouldBeTrue();
    }

    [Fact]
    public void Node_operations_with_high_risk_are_approved_and_need_confirmation()
    {
        var verdict = Check(Node(OperationType.CordonNode, confirm: false), risk: RiskLevel.High);

        ShouldBeApproved(verdict);
        verdict.RequiresConfirmation.ShouldBeTrue();
        verdict.PolicyRiskLevel.ShouldBe(RiskLevel.Critical);
    }

    [Theory]
    [InlineData(RiskLevel.Low)]
    [InlineData(RiskLevel.Medium)]
    public void Node_operations_assessed_below_high_risk_are_rejected(RiskLevel risk)
    {
        ShouldBeRejectedBy(Check(Node(OperationType.DrainNode), risk: risk), RuleIds.NodeOperation);
    }

    [Fact]
    public void Namespace_deletion_is_rejected_by_default_and_allowed_with_confirmation_when_enabled()
    {
        ShouldBeRejectedBy(Check(Delete(ResourceType.Namespace, "team-a", null), risk: RiskLevel.Critical), RuleIds.NamespaceDeletion);

        var allowed = Check(Delete(ResourceType.Namespace, "team-a", null), PolicySettings.Default with { AllowNamespaceDeletion = true });
        ShouldBeApproved(allowed);
        allowed.RequiresConfirmation.ShouldBeTrue();
    }

    [Fact]
    public void Production_deletes_need_confirmation_even_when_the_model_says_none()
    {
        var verdict = Check(Delete(ns: "prod-web", confirm: false));

        ShouldBeApproved(verdict);
        verdict.RequiresConfirmation.ShouldBeTrue();
        verdict.ConfirmationBecause.ShouldContain(c => c.StartsWith($"[{RuleIds.ProductionDelete}]"));
        verdict.PolicyRiskLevel.ShouldBe(RiskLevel.Critical);
    }

    [Theory]
    [InlineData("prod")]
    [InlineData("production-eu")]
    [InlineData("live-payments")]
    [InlineData("prd1")]
    public void Every_change_in_a_production_namespace_needs_confirmation(string ns)
    {
        var verdict = Check(Scale(3, ns));

        ShouldBeApproved(verdict);
        verdict.RequiresConfirmation.ShouldBeTrue();
    }

    [Fact]
    public void A_changed_production_pattern_takes_effect_on_a_copied_policy()
    {
        PolicySettings.Default.IsProduction("prod-web").ShouldBeTrue();
        var custom = PolicySettings.Default with { ProductionPattern = "^critical-.*$" };

        custom.IsProduction("prod-web").ShouldBeFalse();
        custom.IsProduction("critical-payments").ShouldBeTrue();
        Check(Image("gcr.io/my-project/web", "latest", "critical-payments"), custom).Approved.ShouldBeFalse();
        Check(Image("gcr.io/my-project/web", "latest", "prod-web"), custom).Approved.ShouldBeTrue();
    }

    [Fact]
    public void Reads_in_production_need_no_confirmation_unless_the_model_asks()
    {
        Check(Op(OperationType.GetStatus, ns: "prod-web")).RequiresConfirmation.ShouldBeFalse();
        Check(Op(OperationType.GetStatus, ns: "prod-web", confirm: true)).RequiresConfirmation.ShouldBeTrue();
    }

    [Fact]
    public void The_models_risk_raises_policy_risk_and_confirmation_but_never_lowers_them()
    {
        var raised = Check(Scale(3), risk: RiskLevel.Critical);
        raised.PolicyRiskLevel.ShouldBe(RiskLevel.Critical);
        raised.ModelRiskLevel.ShouldBe(RiskLevel.Critical);
        raised.RequiresConfirmation.ShouldBeTrue();

        var notLowered = Check(Image("gcr.io/my-project/web", "1.2.3", "prod-web"), risk: RiskLevel.Low);
        notLowered.PolicyRiskLevel.ShouldBe(RiskLevel.High);
        notLowered.ModelRiskLevel.ShouldBe(RiskLevel.Low);
        notLowered.RequiresConfirmation.ShouldBeTrue();
    }

    [Fact]
    public void Replicas_above_the_absolute_maximum_are_rejected()
    {
        ShouldBeApproved(Check(Scale(50)));
        ShouldBeRejectedBy(Check(Scale(51)), RuleIds.MaxReplicas);
        ShouldBeRejectedBy(Check(Scale(11), PolicySettings.Default with { MaxReplicas = 10 }), RuleIds.MaxReplicas);
    }

    [Theory]
    [InlineData("gcr.io/my-project/web")]
    [InlineData("us-docker.pkg.dev/my-project/repo/web")]
    [InlineData("registry.k8s.io/pause")]
    public void Images_from_approved_registries_are_approved(string image)
    {
        ShouldBeApproved(Check(Image(image, "1.2.3")));
    }

    [Theory]
    [InlineData("gcr.io/my-project-evil/web")]
    [InlineData("gcr.io.evil.com/my-project/web")]
    [InlineData("nginx")]
    [InlineData("docker.io/library/nginx")]
    [InlineData("evil.com/gcr.io/my-project/web")]
    public void Images_from_other_registries_are_rejected(string image)
    {
        ShouldBeRejectedBy(Check(Image(image, "1.2.3")), RuleIds.ImageRegistry);
    }

    [Fact]
    public void An_image_field_carrying_its_own_tag_is_rejected()
    {
        ShouldBeRejectedBy(Check(Image("gcr.io/my-project/web:evil", "1.2.3")), RuleIds.ImageReference);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("main")]
    [InlineData("master")]
    [InlineData("LATEST")]
    public void Mutable_tags_are_rejected_in_production(string tag)
    {
        ShouldBeRejectedBy(Check(Image("gcr.io/my-project/web", tag, "prod-web")), RuleIds.MutableTag);
    }

    [Fact]
    public void Mutable_tags_are_accepted_outside_production_and_digests_everywhere()
    {
        ShouldBeApproved(Check(Image("gcr.io/my-project/web", "latest", "staging")));
        ShouldBeApproved(Check(Image("gcr.io/my-project/web", Digest, "prod-web")));
        ShouldBeApproved(Check(Image("gcr.io/my-project/web", "1.4.2", "prod-web")));
    }

    [Fact]
    public void The_mutable_tag_list_comes_from_policy()
    {
        ShouldBeRejectedBy(Check(Image("gcr.io/my-project/web", "stable", "prod-web"), PolicySettings.Default with { MutableTags = ["stable"] }), RuleIds.MutableTag);
    }

    [Fact]
    public void Intent_level_bounds_are_checked_again()
    {
        var intent = IntentOf(Scale(3)) with { Summary = "short" };

        var verdict = new PolicyEvaluator(PolicySettings.Default).EvaluateStatic(intent).Operations.ShouldHaveSingleItem();

        ShouldBeRejectedBy(verdict, RuleIds.IntentValid);
    }

    [Fact]
    public void An_intent_without_operations_is_not_approved()
    {
        var verdict = new PolicyEvaluator(PolicySettings.Default).EvaluateStatic(IntentOf());

        verdict.Approved.ShouldBeFalse();
        verdict.Operations.ShouldBeEmpty();
    }
}
