using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Policies;

namespace K8sAgentPlatform.Policy.Tests;

public sealed class PolicyFileTests
{
    [Fact]
    public void An_empty_file_gives_the_briefs_defaults()
    {
        var settings = PolicyFile.Parse("");

        settings.ProtectedNamespaces.ShouldBe(["kube-system", "kube-public", "kube-node-lease"]);
        settings.ProductionPattern.ShouldBe("^(prod|production|live|prd)-?.*$");
        settings.AllowedNamespaces.ShouldBeEmpty();
        settings.MaxScaleFactor.ShouldBe(3.0);
        settings.MaxReplicas.ShouldBe(50);
        settings.ApprovedRegistries.ShouldBe(["gcr.io/my-project", "us-docker.pkg.dev/my-project", "registry.k8s.io"]);
        settings.MutableTags.ShouldBe(["latest", "main", "master"]);
        settings.AllowNamespaceDeletion.ShouldBeFalse();
        settings.NodeOperationsMinRisk.ShouldBe(RiskLevel.High);
        settings.GitOpsMode.ShouldBe(GitOpsMode.Confirm);
        settings.ManifestAllowedKinds.ShouldContain("Deployment");
    }

    [Fact]
    public void Keys_given_override_the_defaults_and_others_stay()
    {
        var settings = PolicyFile.Parse("""
            version: 1
            namespaces:
              allowed: [staging, prod-web]
            scaling:
              max_replicas: 20
              max_scale_factor: 2.5
            images:
              approved_registries: [registry.example.com:5000/team]
            gitops:
              mode: refuse
            """);

        settings.AllowedNamespaces.ShouldBe(["staging", "prod-web"]);
        settings.MaxReplicas.ShouldBe(20);
        settings.MaxScaleFactor.ShouldBe(2.5);
        settings.ApprovedRegistries.ShouldBe(["registry.example.com:5000/team"]);
        settings.GitOpsMode.ShouldBe(GitOpsMode.Refuse);
        settings.ProtectedNamespaces.ShouldContain("kube-system");
    }

    [Fact]
    public void An_unknown_key_is_an_error_naming_its_line_and_key()
    {
        PolicyFile.TryParse("""
            version: 1
            scaling:
              max_replicas: 20
              max_replica: 30
            """, out _, out var errors).ShouldBeFalse();

        var error = errors.ShouldHaveSingleItem();
        error.Line.ShouldBe(4);
        error.Key.ShouldBe("scaling.max_replica");
        error.Message.ShouldContain("unknown key");
        error.ToString().ShouldContain("line 4");
    }

    [Fact]
    public void Every_bad_value_is_reported_with_its_line()
    {
        PolicyFile.TryParse("""
            namespaces:
              protected: [kube-system, "Kube System"]
              production_pattern: "([unclosed"
            scaling:
              max_replicas: 500
            images:
              approved_registries: [my-project]
            gitops:
              mode: maybe
            deletes:
              allow_namespace_deletion: yes please
            """, out _, out var errors).ShouldBeFalse();

        errors.Select(e => (e.Line, e.Key)).ShouldBe(
        [
            (2, "namespaces.protected[1]"),
            (3, "namespaces.production_pattern"),
            (5, "scaling.max_replicas"),
            (7, "images.approved_registries[0]"),
            (9, "gitops.mode"),
            (11, "deletes.allow_namespace_deletion"),
        ]);
    }

    [Fact]
    public void A_duplicate_key_is_an_error_with_its_line()
    {
        PolicyFile.TryParse("scaling:\n  max_replicas: 10\n  max_replicas: 60\n", out _, out var errors).ShouldBeFalse();

        var error = errors.ShouldHaveSingleItem();
        error.Line.ShouldBe(3);
        error.Message.ShouldContain("Duplicate key", Case.Insensitive);
    }

    [Fact]
    public void Confirmation_rules_have_no_keys_to_switch_them_off()
    {
        PolicyFile.TryParse("deletes:\n  production_requires_confirmation: false\n", out _, out var errors).ShouldBeFalse();

        errors.ShouldHaveSingleItem().Key.ShouldBe("deletes.production_requires_confirmation");
    }

    [Fact]
    public void Broken_yaml_is_an_error_with_its_line()
    {
        PolicyFile.TryParse("scaling:\n  max_replicas: [1,\n  other: 2\n", out _, out var errors).ShouldBeFalse();

        errors.ShouldHaveSingleItem().Line.ShouldBeGreaterThan(1);
    }

    [Fact]
    public void An_empty_section_keeps_the_defaults()
    {
        PolicyFile.Parse("scaling:\nimages:\n").MaxReplicas.ShouldBe(50);
    }

    [Fact]
    public void A_section_that_is_not_a_mapping_is_an_error()
    {
        PolicyFile.TryParse("scaling: 3\n", out _, out var errors).ShouldBeFalse();

        var error = errors.ShouldHaveSingleItem();
        error.Key.ShouldBe("scaling");
        error.Line.ShouldBe(1);
    }

    [Fact]
    public void Loading_throws_with_every_error_in_the_message()
    {
        var path = Path.Combine(Path.GetTempPath(), $"policy-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "scaling:\n  max_replicas: -1\nimages:\n  mutable_tag: [x]\n");
        try
        {
            var e = Should.Throw<PolicyFileException>(() => PolicyFile.Load(path));

            e.Errors.Count.ShouldBe(2);
            e.Message.ShouldContain("line 2");
            e.Message.ShouldContain("images.mutable_tag");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_documented_example_file_loads_and_equals_the_defaults()
    {
        var example = Path.Combine(RepoRoot(), "services", "policy", "policy.example.yaml");

        System.Text.Json.JsonSerializer.Serialize(PolicyFile.Load(example))
            .ShouldBe(System.Text.Json.JsonSerializer.Serialize(PolicySettings.Default));
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "K8sAgentPlatform.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
