using System.ComponentModel.DataAnnotations;
using K8sAgentPlatform.WebApi.Auth;

namespace K8sAgentPlatform.Remediation.Tests;

public sealed class OptionsTests
{
    private static IReadOnlyList<string> Problems(RemediationOptions options) =>
        options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage!).ToList();

    [Fact]
    public void Without_a_rules_file_remediation_is_off_and_nothing_else_is_required()
    {
        Problems(new RemediationOptions()).ShouldBeEmpty();
    }

    [Fact]
    public void A_rules_file_needs_the_hash_of_the_webhook_token_not_the_token()
    {
        var rules = Path.Combine(Repository.Root, "deploy", "alertmanager", "remediation-rules.yaml");

        Problems(new RemediationOptions { RulesFile = rules, WebhookTokenSha256 = "k8sa_plain-token", AlertmanagerUrl = "http://127.0.0.1:9093" })
            .ShouldHaveSingleItem().ShouldContain("Remediation:WebhookTokenSha256");
        Problems(new RemediationOptions { RulesFile = rules, WebhookTokenSha256 = TokenFile.Hash("k8sa_x"), AlertmanagerUrl = "http://127.0.0.1:9093" }).ShouldBeEmpty();
    }

    [Fact]
    public void A_broken_rules_file_fails_the_start_with_its_line_and_key()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "rules:\n  - name: a\n    matchers: ['alertname=\"X\"']\n    txt: restart web\n");
        try
        {
            var problem = Problems(new RemediationOptions { RulesFile = file, WebhookTokenSha256 = TokenFile.Hash("k8sa_x"), AlertmanagerUrl = "http://127.0.0.1:9093" }).ShouldHaveSingleItem();

            problem.ShouldContain("Remediation:RulesFile");
            problem.ShouldContain("line 4, column 5: rules[0].txt: unknown key");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
