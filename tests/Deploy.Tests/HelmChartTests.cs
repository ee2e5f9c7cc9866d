using System.Text.RegularExpressions;

namespace K8sAgentPlatform.Deploy.Tests;

/// <summary>
/// The Helm chart without helm (not installable on the build machines): the RBAC templates keep their
/// templating to whole lines, so with those lines dropped they are plain YAML and their rules can be read.
/// </summary>
public sealed partial class HelmChartTests
{
    private const string Chart = "deploy/helm/k8s-agent";
    private static readonly string[] WriteVerbs = ["create", "update", "patch", "delete", "deletecollection"];
    private static readonly string[] KubernetesServices = ["executor", "policy", "rollback"];

    private sealed record Rule(string Service, IReadOnlyList<string> ApiGroups, IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs)
    {
        public override string ToString() => $"{Service}: [{string.Join(",", ApiGroups)}] [{string.Join(",", Resources)}] [{string.Join(",", Verbs)}]";
    }

    private static string Untemplated(string text) =>
        string.Join("\n", text.Split('\n').Where(line => !line.Contains("{{", StringComparison.Ordinal)));

    private static IEnumerable<string> RbacFiles() =>
        Directory.GetFiles(Repository.PathOf($"{Chart}/templates"), "rbac-*.yaml").Order(StringComparer.Ordinal);

    /// <summary>Every role document of the chart, by the component label it carries.</summary>
    private static IEnumerable<(string Service, Dictionary<object, object?> Role)> Roles() =>
        from file in RbacFiles()
        from document in Repository.Documents(Untemplated(File.ReadAllText(file)))
        where document.Text("kind") is "Role" or "ClusterRole"
        select (document.Map("metadata").Map("labels").Text("app.kubernetes.io/component")!, document);

    private static IEnumerable<Rule> Rules() =>
        from role in Roles()
        from rule in Repository.List(role.Role.GetValueOrDefault("rules")).Select(Repository.Map)
        select new Rule(
            role.Service,
            Strings(rule.GetValueOrDefault("apiGroups")),
            Strings(rule.GetValueOrDefault("resources")),
            Strings(rule.GetValueOrDefault("verbs")));

    private static List<string> Strings(object? value) => Repository.List(value).Select(v => v as string ?? "").ToList();

    private static IEnumerable<Rule> RulesOf(string service) => Rules().Where(r => r.Service == service);

    private static bool Grants(string service, string group, string resource, string verb) =>
        RulesOf(service).Any(r => r.ApiGroups.Contains(group) && r.Resources.Contains(resource) && r.Verbs.Contains(verb));

    private static Dictionary<object, object?> Values => Repository.Documents(Repository.Read($"{Chart}/values.yaml")).Single();

    [Fact]
    public void Only_policy_executor_and_rollback_have_roles_each_bound_to_its_own_service_account()
    {
        Roles().Select(r => r.Service).Order().ShouldBe(KubernetesServices);
        var bindings = RbacFiles()
            .SelectMany(f => Repository.Documents(Untemplated(File.ReadAllText(f))))
            .Where(d => d.Text("kind") is "RoleBinding" or "ClusterRoleBinding")
            .ToList();
        bindings.Select(b => b.Map("metadata").Map("labels").Text("app.kubernetes.io/component")).Order().ShouldBe(KubernetesServices);
        bindings.ShouldAllBe(b => Repository.List(b.GetValueOrDefault("subjects")).Select(Repository.Map).All(s => s.Text("kind") == "ServiceAccount"));
    }

    [Theory]
    [InlineData("intent")]
    [InlineData("orchestrator")]
    [InlineData("remediation")]
    public void Intent_orchestrator_and_remediation_have_no_rules_and_get_no_service_account_token(string service)
    {
        RulesOf(service).ShouldBeEmpty();
        Values.Map("services").Map(service).GetValueOrDefault("kubernetesAccess").ShouldBe("false");
        Repository.Read($"{Chart}/templates/serviceaccounts.yaml").ShouldContain("automountServiceAccountToken: {{ $settings.kubernetesAccess }}");
        Repository.Read($"{Chart}/templates/deployments.yaml").ShouldContain("automountServiceAccountToken: {{ $settings.kubernetesAccess }}");
    }

    [Fact]
    public void Remediation_has_its_own_service_account_only_with_rules_and_the_snapshot_key_goes_only_where_snapshots_are_read()
    {
        var services = Values.Map("services");
        services.Keys.ShouldContain("remediation");
        services.Where(s => Repository.Map(s.Value).GetValueOrDefault("encryptionKey") is "true").Select(s => (string)s.Key).Order()
            .ShouldBe(["executor", "orchestrator", "policy", "rollback"]);
        Repository.Map(services["remediation"]).GetValueOrDefault("replicas").ShouldBe("1", "its dedupe, cooldowns and breaker are in memory");

        var gate = "{{- if or (ne $service \"remediation\") $.Values.remediation.rules }}";
        Repository.Read($"{Chart}/templates/serviceaccounts.yaml").ShouldContain(gate);
        var deployments = Repository.Read($"{Chart}/templates/deployments.yaml");
        deployments.ShouldContain(gate);
        deployments.ShouldContain("{{- if and $settings.persistence $settings.encryptionKey }}");
        deployments.ShouldContain("- name: Persistence__AuditKey");
        deployments.ShouldContain("{{- $usesTokens := has $service (list \"orchestrator\" \"remediation\") }}");
    }

    [Fact]
    public void Services_with_roles_are_exactly_those_with_kubernetes_access()
    {
        var withAccess = Values.Map("services")
            .Where(s => Repository.Map(s.Value).GetValueOrDefault("kubernetesAccess") is "true")
            .Select(s => (string)s.Key)
            .Order();

        withAccess.ShouldBe(KubernetesServices);
    }

    [Fact]
    public void No_rule_uses_a_wildcard_an_escalation_verb_or_the_rbac_api()
    {
        var rules = Rules().ToList();
        rules.ShouldNotBeEmpty();

        rules.ShouldAllBe(r => r.ApiGroups.Count > 0 && r.Resources.Count > 0 && r.Verbs.Count > 0);
        rules.Where(r => r.ApiGroups.Concat(r.Resources).Concat(r.Verbs).Any(x => x.Contains('*'))).ShouldBeEmpty("wildcards");
        rules.Where(r => r.Verbs.Intersect(["escalate", "bind", "impersonate", "deletecollection"]).Any()).ShouldBeEmpty("escalation or bulk verbs");
        rules.Where(r => r.ApiGroups.Contains("rbac.authorization.k8s.io") || r.Resources.Any(x => x.StartsWith("serviceaccounts", StringComparison.Ordinal)))
            .ShouldBeEmpty("access to RBAC objects or service account tokens");
        Rules().Where(r => r.Resources.Contains("namespaces") && r.Verbs.Any(v => WriteVerbs.Contains(v))).ShouldBeEmpty("namespace writes");
    }

    [Fact]
    public void Policy_write_verbs_are_declared_dry_run_only_and_the_readme_says_rbac_cannot_enforce_that()
    {
        var role = Roles().Single(r => r.Service == "policy").Role;
        var writes = RulesOf("policy").Where(r => r.Verbs.Any(v => WriteVerbs.Contains(v))).ToList();

        if (writes.Count > 0)
        {
            (role.Map("metadata").Map("annotations").Text("k8s-agent.io/write-verbs") ?? "").ShouldContain("dry run only");
            Repository.Read($"{Chart}/README.md").ShouldContain("RBAC cannot restrict");
        }

        RulesOf("policy").Where(r => r.Verbs.Contains("update")).ShouldBeEmpty("policy never replaces objects, not even in a dry run");
    }

    [Fact]
    public void Secrets_are_reachable_only_by_policy_executor_and_rollback_and_never_listed_or_watched()
    {
        var secretRules = Rules().Where(r => r.Resources.Contains("secrets")).ToList();

        secretRules.Select(r => r.Service).Distinct().Order().ShouldBe(KubernetesServices);
        secretRules.Where(r => r.Verbs.Contains("list") || r.Verbs.Contains("watch")).ShouldBeEmpty();
    }

    [Fact]
    public void The_executor_can_do_what_its_operations_send_and_rollback_only_restores()
    {
        Grants("executor", "apps", "deployments/scale", "patch").ShouldBeTrue();
        Grants("executor", "", "pods/eviction", "create").ShouldBeTrue();
        Grants("executor", "", "pods/log", "get").ShouldBeTrue();
        Grants("executor", "", "nodes", "patch").ShouldBeTrue();
        Grants("executor", "apps", "controllerrevisions", "list").ShouldBeTrue();
        Grants("executor", "", "nodes", "delete").ShouldBeFalse();

        Grants("rollback", "apps", "deployments", "update").ShouldBeTrue();
        Grants("rollback", "", "configmaps", "create").ShouldBeTrue();
        RulesOf("rollback").Where(r => r.Verbs.Contains("patch")).ShouldBeEmpty();
        Grants("rollback", "", "pods/eviction", "create").ShouldBeFalse();

        Grants("policy", "apps", "deployments/scale", "patch").ShouldBeTrue();
        Grants("policy", "policy", "poddisruptionbudgets", "list").ShouldBeTrue();
    }

    [Fact]
    public void Policy_and_rollback_protect_the_release_namespace_as_the_platforms_own()
    {
        var deployments = Repository.Read($"{Chart}/templates/deployments.yaml");

        deployments.ShouldContain("{{- if has $service (list \"policy\" \"rollback\") }}");
        deployments.ShouldContain("- name: Policy__PlatformNamespace\n              value: {{ $.Release.Namespace | quote }}");
    }

    [Fact]
    public void Every_environment_variable_the_deployments_set_is_read_by_a_service()
    {
        var names = EnvName().Matches(Repository.Read($"{Chart}/templates/deployments.yaml")).Select(m => m.Groups[1].Value).Distinct().ToList();

        names.ShouldNotBeEmpty();
        names.Where(n => !ConfigurationKeys.Services.Any(s => ConfigurationKeys.IsRead(s, n))).ShouldBeEmpty();
    }

    [Fact]
    public void Pods_run_as_non_root_on_a_read_only_root_filesystem_with_probes_and_limits()
    {
        Values.Map("podSecurityContext").GetValueOrDefault("runAsNonRoot").ShouldBe("true");
        Values.Map("containerSecurityContext").GetValueOrDefault("readOnlyRootFilesystem").ShouldBe("true");
        Values.Map("containerSecurityContext").GetValueOrDefault("allowPrivilegeEscalation").ShouldBe("false");
        foreach (var service in ConfigurationKeys.Services)
        {
            var resources = Values.Map("services").Map(service).Map("resources");
            resources.Map("requests").Keys.ShouldBe(["cpu", "memory"], ignoreOrder: true);
            resources.Map("limits").Keys.ShouldBe(["cpu", "memory"], ignoreOrder: true);
        }

        var deployments = Repository.Read($"{Chart}/templates/deployments.yaml");
        deployments.ShouldContain("path: /healthz");
        deployments.ShouldContain("path: /readyz");
        deployments.ShouldContain("mountPath: /tmp");
    }

    [GeneratedRegex(@"-\s+name:\s+([A-Za-z]+__[A-Za-z_]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex EnvName();
}
