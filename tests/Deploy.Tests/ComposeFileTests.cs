namespace K8sAgentPlatform.Deploy.Tests;

/// <summary>docker-compose.yml, read as Compose reads it (merge keys applied), checked against the code.</summary>
public sealed class ComposeFileTests
{
    private static readonly Dictionary<object, object?> Compose = Repository.Documents(Repository.Read("docker-compose.yml")).Single();

    private static Dictionary<object, object?> Service(string name) => Compose.Map("services").Map(name);

    private static Dictionary<object, object?> Environment(string name) => Service(name).Map("environment");

    public static TheoryData<string> Services => [.. ConfigurationKeys.Services];

    private static readonly string[] KubernetesServices = ["policy", "executor", "rollback"];

    [Fact]
    public void It_runs_rabbitmq_with_management_mongodb_and_the_six_services()
    {
        Compose.Map("services").Keys.Cast<string>().Order()
            .ShouldBe(["executor", "intent", "mongodb", "orchestrator", "policy", "rabbitmq", "rabbitmq-users", "remediation", "rollback"]);
        Service("rabbitmq").Text("image")!.ShouldEndWith("-management");
        Service("mongodb").Text("image")!.ShouldStartWith("mongo:");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Every_environment_variable_of_a_service_is_one_its_code_reads(string service)
    {
        var unread = Environment(service).Keys.Cast<string>().Where(name => !ConfigurationKeys.IsRead(service, name)).ToList();

        unread.ShouldBeEmpty($"{service} sets variables no options class or Program.cs of it reads");
    }

    [Fact]
    public void The_keys_read_raw_really_appear_in_the_code_that_reads_them()
    {
        foreach (var (service, keys) in ConfigurationKeys.Raw)
        {
            foreach (var (key, source, evidence) in keys)
            {
                Repository.Read(source).ShouldContain(evidence, Case.Sensitive, $"{service}: {source} should read {key}");
            }
        }
    }

    [Fact]
    public void The_key_check_itself_refuses_a_misspelt_name()
    {
        ConfigurationKeys.IsRead("executor", "Persistence__MongoConnectionString").ShouldBeTrue();
        ConfigurationKeys.IsRead("orchestrator", "Auth__Tokens__3__Roles__0").ShouldBeTrue();
        ConfigurationKeys.IsRead("executor", "Executor__Verification__FailureGrace").ShouldBeTrue();
        ConfigurationKeys.IsRead("executor", "Persistence__MongoUri").ShouldBeFalse();
        ConfigurationKeys.IsRead("intent", "Persistence__Provider").ShouldBeFalse();
        ConfigurationKeys.IsRead("policy", "Kubernetes__KubeConfigPath").ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Every_service_talks_over_rabbitmq_and_is_checked_on_readyz(string service)
    {
        var environment = Environment(service);
        environment.Text("Bus__Transport").ShouldBe("rabbitmq");
        environment.Text("Bus__RabbitMqUrl")!.ShouldStartWith("amqp://");
        string.Join(" ", Repository.List(Service(service).Map("healthcheck").GetValueOrDefault("test"))).ShouldContain("/readyz");
        Service(service).Map("build").Map("args").Text("SERVICE").ShouldBe(service);
        Service(service).Map("build").Map("args").Text("ASSEMBLY").ShouldBe($"K8sAgentPlatform.{char.ToUpperInvariant(service[0])}{service[1..]}");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Every_service_runs_on_a_read_only_root_filesystem_with_a_writable_tmp(string service)
    {
        Service(service).GetValueOrDefault("read_only").ShouldBe("true");
        Repository.List(Service(service).GetValueOrDefault("tmpfs")).ShouldContain("/tmp");
        Repository.List(Service(service).GetValueOrDefault("cap_drop")).ShouldContain("ALL");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Only_policy_executor_and_rollback_get_the_kubeconfig_and_it_is_mounted_read_only(string service)
    {
        var mounts = Repository.List(Service(service).GetValueOrDefault("volumes")).Select(Repository.Map)
            .Where(v => v.Text("target") == "/etc/k8s-agent/kubeconfig").ToList();

        if (KubernetesServices.Contains(service))
        {
            mounts.ShouldHaveSingleItem().GetValueOrDefault("read_only").ShouldBe("true");
            Environment(service).Text("Kubernetes__Kubeconfig").ShouldBe("/etc/k8s-agent/kubeconfig");
        }
        else
        {
            mounts.ShouldBeEmpty();
            Environment(service).Keys.Cast<string>().ShouldNotContain(k => k.StartsWith("Kubernetes__", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("executor")]
    [InlineData("rollback")]
    [InlineData("orchestrator")]
    [InlineData("policy")]
    public void Services_that_keep_snapshots_or_requests_use_mongodb_with_a_shared_encryption_key(string service)
    {
        var environment = Environment(service);
        environment.Text("Persistence__Provider").ShouldBe("mongodb");
        environment.Text("Persistence__MongoConnectionString")!.ShouldStartWith("mongodb://");
        environment.Text("Persistence__MongoDatabase").ShouldBe("k8s_agent");
        environment.Text("Persistence__EncryptionKey").ShouldBe(Environment("executor").Text("Persistence__EncryptionKey"));
    }

    [Theory]
    [InlineData("executor")]
    [InlineData("rollback")]
    [InlineData("orchestrator")]
    [InlineData("remediation")]
    public void Every_service_that_writes_the_audit_log_keys_its_chain_with_the_one_audit_key(string service) =>
        Environment(service).Text("Persistence__AuditKey").ShouldBe("${K8S_AGENT_AUDIT_KEY:?set K8S_AGENT_AUDIT_KEY to base64 of 32 random bytes (openssl rand -base64 32)}");

    [Fact]
    public void The_orchestrator_reads_its_tokens_from_a_secret_file_and_publishes_its_api_on_loopback()
    {
        Environment("orchestrator").Text("Auth__TokensFile").ShouldBe("/run/secrets/k8s-agent-tokens");
        Repository.List(Service("orchestrator").GetValueOrDefault("secrets")).ShouldContain("k8s-agent-tokens");
        Repository.List(Service("orchestrator").GetValueOrDefault("ports")).ShouldBe(["127.0.0.1:8080:8080"]);
    }

    [Fact]
    public void Remediation_is_opt_in_reads_the_same_tokens_and_its_rules_read_only_and_never_gets_the_snapshot_key()
    {
        var environment = Environment("remediation");

        Repository.List(Service("remediation").GetValueOrDefault("profiles")).ShouldBe(["remediation"]);
        environment.Text("Auth__TokensFile").ShouldBe(Environment("orchestrator").Text("Auth__TokensFile"));
        Repository.List(Service("remediation").GetValueOrDefault("secrets")).ShouldContain("k8s-agent-tokens");
        var rules = Repository.List(Service("remediation").GetValueOrDefault("volumes")).Select(Repository.Map)
            .Where(v => v.Text("target") == environment.Text("Remediation__RulesFile")).ShouldHaveSingleItem();
        rules.GetValueOrDefault("read_only").ShouldBe("true");
        environment.Text("Persistence__Provider").ShouldBe("mongodb");
        environment.Keys.Cast<string>().ShouldNotContain("Persistence__EncryptionKey");
        Repository.List(Service("remediation").GetValueOrDefault("ports")).ShouldBe(["127.0.0.1:8081:8080"]);
    }
}
