using K8sAgentPlatform.Remediation.Rules;

namespace K8sAgentPlatform.Remediation.Tests;

public sealed class LabelMatcherTests
{
    private static bool Matches(string matcher, params (string Name, string Value)[] labels)
    {
        var parsed = LabelMatcher.TryParse(matcher, out var problem);
        parsed.ShouldNotBeNull(problem);
        return parsed.Matches(labels.ToDictionary(l => l.Name, l => l.Value));
    }

    [Fact]
    public void Equality_matches_the_exact_value_only()
    {
        Matches("namespace=\"staging\"", ("namespace", "staging")).ShouldBeTrue();
        Matches("namespace=\"staging\"", ("namespace", "staging-2")).ShouldBeFalse();
        Matches("namespace=staging", ("namespace", "staging")).ShouldBeTrue();
    }

    [Fact]
    public void Inequality_matches_every_other_value_and_a_missing_label()
    {
        Matches("severity!=\"info\"", ("severity", "critical")).ShouldBeTrue();
        Matches("severity!=\"info\"", ("severity", "info")).ShouldBeFalse();
        Matches("severity!=\"info\"").ShouldBeTrue();
    }

    [Fact]
    public void A_regex_is_anchored_at_both_ends_like_alertmanagers()
    {
        Matches("namespace=~\"staging|dev\"", ("namespace", "dev")).ShouldBeTrue();
        Matches("namespace=~\"staging|dev\"", ("namespace", "dev-2")).ShouldBeFalse();
        Matches("namespace=~\"staging|dev\"", ("namespace", "my-staging")).ShouldBeFalse();
        Matches("namespace=~\"prod.*\"", ("namespace", "production")).ShouldBeTrue();
    }

    [Fact]
    public void A_negative_regex_matches_what_the_regex_does_not()
    {
        Matches("namespace!~\"kube-.*\"", ("namespace", "staging")).ShouldBeTrue();
        Matches("namespace!~\"kube-.*\"", ("namespace", "kube-system")).ShouldBeFalse();
    }

    [Fact]
    public void A_missing_label_reads_as_the_empty_string()
    {
        Matches("deployment=\"\"").ShouldBeTrue();
        Matches("deployment!=\"\"").ShouldBeFalse();
        Matches("deployment=~\".+\"").ShouldBeFalse();
    }

    [Fact]
    public void Quoted_values_may_contain_escaped_quotes()
    {
        Matches("summary=\"say \\\"hi\\\"\"", ("summary", "say \"hi\"")).ShouldBeTrue();
    }

    [Theory]
    [InlineData("namespace")]
    [InlineData("=\"x\"")]
    [InlineData("9name=\"x\"")]
    [InlineData("namespace==\"x\"")]
    [InlineData("namespace=~\"(unclosed\"")]
    public void Malformed_matchers_are_refused_with_a_reason(string text)
    {
        LabelMatcher.TryParse(text, out var problem).ShouldBeNull();
        problem.ShouldNotBeNullOrEmpty();
    }
}
