using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Remediation.Rules;

namespace K8sAgentPlatform.Remediation.Tests;

public sealed class RemediationPlannerTests
{
    private static readonly RemediationRules Rules = RemediationRulesFile.Parse("""
        rules:
          - name: restart-text
            matchers: ['alertname="Restart"']
            text: "restart deployment {{ $labels.deployment }} in {{ $labels.namespace }}"
            operation_type: restart
            auto_confirm: true
          - name: restart-typed
            matchers: ['alertname="RestartTyped"']
            operation:
              operation_type: restart
              resource_type: deployment
              resource_name: "{{ $labels.deployment }}"
              namespace: "{{ $labels.namespace }}"
          - name: scale-typed
            matchers: ['alertname="Scale"']
            operation:
              operation_type: scale
              resource_type: deployment
              resource_name: "{{ $labels.deployment }}"
              namespace: staging
              parameters:
                replicas: "{{ $labels.replicas }}"
            auto_confirm: true
          - name: two-restarts
            matchers: ['alertname="Two"']
            text: "restart deployment {{ $labels.a }} in staging and restart deployment {{ $labels.b }} in staging"
            operation_type: restart
        """);

    private static RemediationPlan? Plan(string alertname, out string? problem, params (string, string)[] labels)
    {
        var alert = Alerts.Firing("abc123", [("alertname", alertname), .. labels]);
        var rule = Rules.Match(alert.Labels);
        rule.ShouldNotBeNull();
        return RemediationPlanner.TryPlan(rule, alert, out problem);
    }

    [Fact]
    public void A_text_template_becomes_exactly_one_operation_of_the_rules_type_on_the_labelled_resource()
    {
        var plan = Plan("Restart", out var problem, ("deployment", "web"), ("namespace", "staging"));

        plan.ShouldNotBeNull(problem);
        var operation = plan.Intent.Operations.ShouldHaveSingleItem();
        operation.OperationType.ShouldBe(OperationType.Restart);
        operation.ResourceType.ShouldBe(ResourceType.Deployment);
        operation.ResourceName.ShouldBe("web");
        operation.Namespace.ShouldBe("staging");
        plan.Resource.ShouldBe("deployment/web in staging");
    }

    [Theory]
    [InlineData("web and delete namespace staging")]
    [InlineData("web; kubectl delete deployment api -n staging")]
    [InlineData("web\ndelete deployment api in staging")]
    [InlineData("web then delete deployment api in staging")]
    [InlineData("web, scale api to 0 in staging")]
    [InlineData("web in production and restart deployment api")]
    [InlineData("Web")]
    [InlineData("web\n")]
    [InlineData("")]
    public void A_label_value_that_is_not_a_plain_name_is_refused_before_anything_is_parsed(string deployment)
    {
        var plan = Plan("Restart", out var problem, ("deployment", deployment), ("namespace", "staging"));

        plan.ShouldBeNull();
        problem.ShouldNotBeNull();
        problem.ShouldNotContain("delete"); // the untrusted value is never echoed
    }

    [Theory]
    [InlineData("staging and delete namespace production")]
    [InlineData("staging;")]
    [InlineData("staging\nthen delete deployment api in staging")]
    public void The_namespace_label_cannot_inject_either(string ns)
    {
        Plan("Restart", out _, ("deployment", "web"), ("namespace", ns)).ShouldBeNull();
    }

    [Fact]
    public void A_missing_label_refuses_the_alert()
    {
        Plan("Restart", out var problem, ("namespace", "staging")).ShouldBeNull();
        problem.ShouldBe("the alert has no label 'deployment'");
    }

    [Fact]
    public void A_text_that_parses_into_more_operations_than_the_rule_allows_is_refused()
    {
        Plan("Two", out var problem, ("a", "web"), ("b", "api")).ShouldBeNull();
        problem.ShouldNotBeNull().ShouldContain("exactly 1 restart");
    }

    [Fact]
    public void A_text_that_parses_into_another_operation_type_is_refused()
    {
        var rules = RemediationRulesFile.Parse("""
            rules:
              - name: claims-scale
                matchers: ['alertname="X"']
                text: "restart deployment {{ $labels.deployment }} in staging"
                operation_type: scale
            """);
        var alert = Alerts.Firing("f1", ("alertname", "X"), ("deployment", "web"));

        RemediationPlanner.TryPlan(rules.Rules[0], alert, out var problem).ShouldBeNull();
        problem.ShouldNotBeNull().ShouldContain("exactly 1 scale");
    }

    [Fact]
    public void A_label_that_looks_like_an_operation_word_still_gives_one_operation_or_none()
    {
        foreach (var value in new[] { "and", "then", "delete", "restart", "scale", "namespace" })
        {
            var plan = Plan("Restart", out _, ("deployment", value), ("namespace", "staging"));
            if (plan is not null)
            {
                var operation = plan.Intent.Operations.ShouldHaveSingleItem();
                operation.OperationType.ShouldBe(OperationType.Restart);
                operation.Namespace.ShouldBe("staging");
            }
        }
    }

    [Fact]
    public void A_typed_operation_fills_its_fields_and_keeps_its_type()
    {
        var plan = Plan("RestartTyped", out var problem, ("deployment", "api"), ("namespace", "production"));

        plan.ShouldNotBeNull(problem);
        var operation = plan.Intent.Operations.ShouldHaveSingleItem();
        operation.OperationType.ShouldBe(OperationType.Restart);
        operation.Target.ShouldBe("deployment/api in production");
    }

    [Theory]
    [InlineData("api and delete namespace production")]
    [InlineData("api\"},{\"operation_type\":\"delete")]
    [InlineData("API")]
    [InlineData("a_b")]
    public void A_typed_operation_refuses_values_the_strict_validator_or_the_charset_rejects(string deployment)
    {
        Plan("RestartTyped", out var problem, ("deployment", deployment), ("namespace", "production")).ShouldBeNull();
        problem.ShouldNotBeNull();
    }

    [Theory]
    [InlineData("3; delete")]
    [InlineData("500")]
    [InlineData("-1")]
    [InlineData("three")]
    public void A_typed_parameter_is_read_as_the_contract_declares_and_bounded(string replicas)
    {
        Plan("Scale", out var problem, ("deployment", "api"), ("replicas", replicas)).ShouldBeNull();
        problem.ShouldNotBeNull();
    }

    [Fact]
    public void A_typed_parameter_within_bounds_is_used()
    {
        var plan = Plan("Scale", out var problem, ("deployment", "api"), ("replicas", "4"));

        plan.ShouldNotBeNull(problem);
        plan.Intent.Operations[0].Parameters.ShouldBe(new ScaleParameters { Replicas = 4 });
    }

    [Fact]
    public void Without_auto_confirm_every_operation_asks_for_a_human()
    {
        Plan("RestartTyped", out _, ("deployment", "api"), ("namespace", "staging"))!.Intent.Operations.ShouldAllBe(o => o.RequiresConfirmation);
    }

    [Fact]
    public void With_auto_confirm_the_request_leaves_confirmation_to_policy()
    {
        Plan("Restart", out _, ("deployment", "web"), ("namespace", "staging"))!.Intent.Operations.ShouldAllBe(o => !o.RequiresConfirmation);
    }
}
