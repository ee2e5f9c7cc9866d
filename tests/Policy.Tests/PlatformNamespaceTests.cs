using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Policies;
using K8sAgentPlatform.Policy.Rules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static K8sAgentPlatform.Policy.Tests.Intents;

namespace K8sAgentPlatform.Policy.Tests;

/// <summary>The platform's own namespace (its tokens, keys, service accounts) is protected whatever the policy file says.</summary>
public sealed class PlatformNamespaceTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("platform-namespace-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static KubernetesOperation RewriteTokens(string ns) =>
        Op(OperationType.UpdateConfig, ResourceType.Secret, "k8s-agent-tokens", ns,
            new UpdateConfigParameters { ConfigmapName = "k8s-agent-tokens", Key = "tokens.json", Value = "[{\"name\":\"mallory\",\"roles\":[\"admin\"]}]" });

    private PolicyEvaluator Evaluator(string policyYaml, string? platformNamespace)
    {
        var file = Path.Combine(directory, "policy.yaml");
        File.WriteAllText(file, policyYaml);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Policy:File"] = file,
            ["Policy:PlatformNamespace"] = platformNamespace,
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddPolicyEngine();
        return services.BuildServiceProvider().GetRequiredService<PolicyEvaluator>();
    }

    [Fact]
    public void An_operators_update_config_on_the_platforms_token_secret_is_refused_even_when_the_policy_file_protects_nothing()
    {
        var evaluator = Evaluator("namespaces:\n  protected: []\n", "agents");

        var verdict = evaluator.EvaluateStatic(IntentOf(RiskLevel.Medium, RewriteTokens("agents"))).Operations.ShouldHaveSingleItem();

        verdict.Approved.ShouldBeFalse();
        verdict.Reasons.ShouldContain(r => r.StartsWith($"[{RuleIds.ProtectedNamespace}]") && r.Contains("platform's own namespace"));
        // kube-system is no longer protected by that file, so the platform's namespace is what refused it.
        evaluator.EvaluateStatic(IntentOf(Scale(2, "kube-system"))).Approved.ShouldBeTrue();
    }

    [Fact]
    public void Without_configuration_the_default_platform_namespace_is_protected()
    {
        var verdict = new PolicyEvaluator(PolicySettings.Default).EvaluateStatic(IntentOf(RewriteTokens("k8s-agent"))).Operations.Single();

        verdict.Reasons.ShouldContain(r => r.StartsWith($"[{RuleIds.ProtectedNamespace}]"));
        new PolicyEvaluator(PolicySettings.Default).EvaluateStatic(IntentOf(RewriteTokens("staging"))).Approved.ShouldBeTrue();
    }

    [Fact]
    public void A_manifest_object_placed_in_the_platforms_namespace_is_refused()
    {
        var settings = PolicySettings.Default with { PlatformNamespace = "agents", ProtectedNamespaces = [] };
        var manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: agents}\ndata: {a: b}\n";

        var verdict = new PolicyEvaluator(settings).EvaluateStatic(IntentOf(RiskLevel.High, Manifest(manifest, "agents"))).Operations.Single();

        verdict.Reasons.ShouldContain(r => r.StartsWith($"[{RuleIds.ProtectedNamespace}]"));
    }

    [Fact]
    public void A_platform_namespace_that_is_not_a_namespace_name_stops_the_host()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Policy:PlatformNamespace"] = "Not A Namespace" }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddPolicyEngine();

        var error = Should.Throw<OptionsValidationException>(() => services.BuildServiceProvider().GetRequiredService<IOptions<PolicyOptions>>().Value);

        error.Message.ShouldContain("Policy:PlatformNamespace");
    }
}
