using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Policies;
using K8sAgentPlatform.Policy.Rules;
using static K8sAgentPlatform.Policy.Tests.Intents;

namespace K8sAgentPlatform.Policy.Tests;

public sealed class FourEyesTests
{
    private static OperationVerdict Check(KubernetesOperation operation, PolicySettings? settings = null, RiskLevel risk = RiskLevel.Low) =>
        new PolicyEvaluator(settings ?? PolicySettings.Default).EvaluateStatic(IntentOf(risk, operation)).Operations.ShouldHaveSingleItem();

    private const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: staging}
        spec:
          template:
            spec:
              containers: [{name: web, image: registry.k8s.io/web:1.0}]
        """;

    public static TheoryData<string, KubernetesOperation> HighRisk => new()
    {
        { "drain", Node(OperationType.DrainNode, parameters: new DrainNodeParameters()) },
        { "cordon", Node(OperationType.CordonNode) },
        { "delete in staging", Delete() },
        { "delete in production", Delete(ns: "production") },
        { "manifest in staging", Manifest(Deployment) },
        { "image update in production", Image("registry.k8s.io/web", "1.2", ns: "production") },
    };

    [Theory]
    [MemberData(nameof(HighRisk))]
    public void Node_operations_deletes_manifests_and_production_changes_need_a_second_person(string what, KubernetesOperation operation)
    {
        var verdict = Check(operation, risk: RiskLevel.High);

        verdict.Approved.ShouldBeTrue($"{what}: {string.Join("; ", verdict.Reasons)}");
        (verdict.PolicyRiskLevel >= RiskLevel.High).ShouldBeTrue();
        verdict.RequiresConfirmation.ShouldBeTrue();
        verdict.RequiresSecondPerson.ShouldBeTrue();
        verdict.ConfirmationBecause.ShouldContain(c => c.StartsWith($"[{RuleIds.FourEyes}]"));
        verdict.ToMessage(Guid.NewGuid(), 1, DateTimeOffset.UnixEpoch).RequiresSecondPerson.ShouldBeTrue();
    }

    [Fact]
    public void A_manifest_is_high_risk_even_outside_production()
    {
        Check(Manifest(Deployment)).PolicyRiskLevel.ShouldBe(RiskLevel.High);
    }

    [Fact]
    public void Routine_changes_and_reads_need_no_second_person()
    {
        Check(Scale(3)).RequiresSecondPerson.ShouldBeFalse();
        Check(Image("registry.k8s.io/web", "1.2")).RequiresSecondPerson.ShouldBeFalse();
        // A read-only operation needs nobody, whatever the model thinks of it.
        Check(Op(OperationType.GetStatus), risk: RiskLevel.Critical).RequiresSecondPerson.ShouldBeFalse();
    }

    [Fact]
    public void The_models_higher_risk_raises_the_need_for_a_second_person()
    {
        var verdict = Check(Scale(3), risk: RiskLevel.High);

        verdict.RequiresSecondPerson.ShouldBeTrue();
        verdict.RequiresConfirmation.ShouldBeTrue();
    }

    [Fact]
    public void The_policy_file_sets_the_risk_a_second_person_starts_at()
    {
        var medium = PolicyFile.Parse("confirmation:\n  four_eyes_from: medium\n");
        var critical = PolicyFile.Parse("confirmation:\n  four_eyes_from: critical\n");

        PolicyFile.Parse("").FourEyesFrom.ShouldBe(RiskLevel.High);
        var scaleInProduction = Scale(3, "production");
        Check(scaleInProduction, medium).RequiresSecondPerson.ShouldBeTrue();
        Check(scaleInProduction).RequiresSecondPerson.ShouldBeFalse();
        Check(Delete(), critical).RequiresSecondPerson.ShouldBeFalse();
        Check(Delete(), critical).RequiresConfirmation.ShouldBeTrue();
        Check(Node(OperationType.CordonNode), critical, RiskLevel.High).RequiresSecondPerson.ShouldBeTrue();
    }

    [Fact]
    public void A_four_eyes_level_that_is_not_a_risk_level_is_an_error_naming_line_and_key()
    {
        PolicyFile.TryParse("version: 1\nconfirmation:\n  four_eyes_from: sometimes\n", out _, out var errors).ShouldBeFalse();

        var error = errors.ShouldHaveSingleItem();
        error.Line.ShouldBe(3);
        error.Key.ShouldBe("confirmation.four_eyes_from");
    }
}
