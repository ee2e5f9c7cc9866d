using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Remediation.Rules;

namespace K8sAgentPlatform.Remediation.Tests;

public sealed class RulesFileTests
{
    private static IReadOnlyList<RulesFileError> Errors(string yaml)
    {
        RemediationRulesFile.TryParse(yaml, out _, out var errors).ShouldBeFalse();
        return errors;
    }

    [Fact]
    public void The_sample_rules_file_in_deploy_loads()
    {
        var rules = RemediationRulesFile.Load(Path.Combine(Repository.Root, "deploy", "alertmanager", "remediation-rules.yaml"));

        rules.Rules.Select(r => r.Name).ShouldBe(["crashloop-rollback", "stuck-restart-production", "backlog-scale-worker"]);
        rules.Rules[0].OperationType.ShouldBe(OperationType.Rollback);
        rules.Rules[0].AutoConfirm.ShouldBeTrue();
        rules.Rules[0].Cooldown.ShouldBe(TimeSpan.FromMinutes(30));
        rules.Rules[1].Operation.ShouldNotBeNull().OperationType.ShouldBe(OperationType.Restart);
    }

    [Fact]
    public void An_unknown_key_is_named_with_its_line()
    {
        var error = Errors("""
            rules:
              - name: a
                matchers: ['alertname="X"']
                text: "restart deployment web in staging"
                operation_type: restart
                autoconfirm: true
            """).ShouldHaveSingleItem();

        error.Line.ShouldBe(6);
        error.Key.ShouldBe("rules[0].autoconfirm");
        error.Message.ShouldContain("unknown key");
    }

    [Fact]
    public void Every_error_is_reported_not_only_the_first()
    {
        var errors = Errors("""
            rules:
              - name: Bad_Name
                matchers: ['alertname=~"(x"', 'nonsense']
                text: "restart {{ .Labels.deployment }} in staging"
                operation_type: reboot
                cooldown: forever
            """);

        errors.Select(e => e.Key).ShouldBe(
            ["rules[0].name", "rules[0].matchers[0]", "rules[0].matchers[1]", "rules[0].text", "rules[0].operation_type", "rules[0].cooldown"],
            ignoreOrder: true);
        errors.ShouldAllBe(e => e.Line > 1);
    }

    [Fact]
    public void A_template_with_anything_but_label_placeholders_is_refused()
    {
        var error = Errors("""
            rules:
              - name: a
                matchers: ['alertname="X"']
                text: "restart deployment {{ $labels.deployment | upper }} in staging"
                operation_type: restart
            """).ShouldHaveSingleItem();

        error.Key.ShouldBe("rules[0].text");
        error.Line.ShouldBe(4);
    }

    [Fact]
    public void A_text_rule_must_say_which_operation_type_it_gives()
    {
        Errors("""
            rules:
              - name: a
                matchers: ['alertname="X"']
                text: "restart deployment web in staging"
            """).ShouldHaveSingleItem().Key.ShouldBe("rules[0].operation_type");
    }

    [Fact]
    public void A_rule_needs_exactly_one_of_text_and_operation()
    {
        Errors("""
            rules:
              - name: a
                matchers: ['alertname="X"']
            """).ShouldHaveSingleItem().Message.ShouldContain("exactly one of 'text'");
    }

    [Fact]
    public void A_typed_operation_is_checked_against_the_intent_model()
    {
        var errors = Errors("""
            rules:
              - name: a
                matchers: ['alertname="X"']
                operation:
                  operation_type: scale
                  resource_type: configmap
                  resource_name: "{{ $labels.name }}"
                  namespace: staging
                  parameters:
                    replicas: "2"
                    image: "x"
            """);

        errors.Select(e => e.Key).ShouldBe(["rules[0].operation.resource_type", "rules[0].operation.parameters.image"], ignoreOrder: true);
    }

    [Fact]
    public void A_node_operation_takes_no_namespace_and_a_namespaced_one_needs_one()
    {
        Errors("""
            rules:
              - name: a
                matchers: ['alertname="X"']
                operation:
                  operation_type: restart
                  resource_type: deployment
                  resource_name: web
            """).ShouldHaveSingleItem().Key.ShouldBe("rules[0].operation.namespace");
    }

    [Fact]
    public void Rule_names_are_unique()
    {
        Errors("""
            rules:
              - name: a
                matchers: ['alertname="X"']
                text: "restart deployment web in staging"
                operation_type: restart
              - name: a
                matchers: ['alertname="Y"']
                text: "restart deployment api in staging"
                operation_type: restart
            """).ShouldHaveSingleItem().Line.ShouldBe(6);
    }

    [Fact]
    public void Broken_yaml_is_reported_with_its_position()
    {
        var error = Errors("rules:\n  - name: a\n    matchers: [unclosed\n").ShouldHaveSingleItem();
        error.Line.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void A_missing_file_says_so()
    {
        Should.Throw<RemediationRulesException>(() => RemediationRulesFile.Load("/nonexistent/rules.yaml")).Message.ShouldContain("does not exist");
    }
}

internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "K8sAgentPlatform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (K8sAgentPlatform.sln) is not above " + AppContext.BaseDirectory);
    }
}
