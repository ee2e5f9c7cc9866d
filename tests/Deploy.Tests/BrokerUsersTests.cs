using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace K8sAgentPlatform.Deploy.Tests;

/// <summary>
/// deploy/rabbitmq/permissions.json, the one table of broker users, read as RabbitMQ reads its patterns (a resource name
/// matches when the regular expression finds it; queues and exchanges share names), and the places that must agree with
/// it: docker-compose.yml, the Helm chart's values and deploy/rabbitmq/prepare-users.
/// </summary>
public sealed class BrokerUsersTests
{
    private const string Contracts = "K8sAgentPlatform.Contracts:";
    private static readonly string[] CommandQueues = ["policy", "executor", "rollback"];

    private sealed record Role(string Name, Regex Configure, Regex Write, Regex Read, string Tags);

    private static readonly JsonElement Table = JsonDocument.Parse(Repository.Read("deploy/rabbitmq/permissions.json")).RootElement;

    private static readonly IReadOnlyList<Role> Roles = Table.GetProperty("roles").EnumerateArray().Select(r => new Role(
        r.GetProperty("role").GetString()!,
        new Regex(r.GetProperty("configure").GetString()!),
        new Regex(r.GetProperty("write").GetString()!),
        new Regex(r.GetProperty("read").GetString()!),
        r.TryGetProperty("tags", out var tags) ? tags.GetString()! : "")).ToList();

    private static Role RoleOf(string name) => Roles.Single(r => r.Name == name);

    private static IEnumerable<Role> Writers(string resource) => Roles.Where(r => r.Write.IsMatch(resource));

    private static Dictionary<object, object?> Compose => Repository.Documents(Repository.Read("docker-compose.yml")).Single();

    [Fact]
    public void There_is_one_role_per_service_and_one_for_raw_json_publishers_every_pattern_anchored()
    {
        Roles.Select(r => r.Name).Order().ShouldBe([.. ConfigurationKeys.Services.Append("publisher").Order()]);
        foreach (var role in Roles)
        {
            foreach (var pattern in new[] { role.Configure, role.Write, role.Read })
            {
                Regex.IsMatch(pattern.ToString(), "^\\^.*\\$$").ShouldBeTrue($"{role.Name}: {pattern} is not anchored at both ends");
            }
        }
    }

    [Fact]
    public void Only_the_orchestrator_writes_the_command_queues_besides_each_worker_binding_its_own()
    {
        foreach (var queue in CommandQueues)
        {
            Writers(queue).Select(r => r.Name).ShouldBe(["orchestrator", queue], ignoreOrder: true, customMessage: queue);
        }

        Writers("amq.default").ShouldBeEmpty("the default exchange reaches every queue by its name");
        Writers("").ShouldBeEmpty("the default exchange reaches every queue by its name");
        foreach (var command in new[] { "ValidateOperations", "RevalidateOperation", "ExecuteOperation", "RollbackRequested" })
        {
            Writers(Contracts + command).ShouldBeEmpty(command);
        }
    }

    [Theory]
    [InlineData("ConfirmRequest", "orchestrator")]
    [InlineData("RejectRequest", "orchestrator")]
    [InlineData("CancelRequest", "orchestrator")]
    [InlineData("RequestSubmitted", "orchestrator")]
    [InlineData("RequestFinished", "orchestrator")]
    [InlineData("IntentParsed", "intent")]
    [InlineData("OperationValidated", "policy")]
    [InlineData("OperationExecuted", "executor")]
    [InlineData("RollbackCompleted", "rollback")]
    [InlineData("SubmitRequest", "orchestrator,remediation")]
    public void Each_message_is_written_only_by_the_service_that_owns_it(string message, string owners) =>
        Writers(Contracts + message).Select(r => r.Name).Order().ShouldBe(owners.Split(',').Order());

    [Fact]
    public void A_raw_json_publisher_writes_submit_request_json_and_nothing_else_and_declares_and_reads_nothing()
    {
        var publisher = RoleOf("publisher");

        Writers("submit-request-json").Select(r => r.Name).Order().ShouldBe(["orchestrator", "publisher"]);
        foreach (var name in new[] { "submit-request-json_error", "request-state", "policy", "executor", "rollback", "amq.default", Contracts + "SubmitRequest" })
        {
            publisher.Write.IsMatch(name).ShouldBeFalse(name);
        }

        publisher.Configure.ToString().ShouldBe("^$");
        publisher.Read.ToString().ShouldBe("^$");
        Roles.Where(r => r.Tags.Contains("impersonator", StringComparison.Ordinal)).Select(r => r.Name).ShouldBe(["orchestrator"]);
    }

    [Fact]
    public void Each_service_may_declare_only_its_own_bus_queue()
    {
        foreach (var role in Roles.Where(r => r.Name != "publisher"))
        {
            var own = $"{Hosting.PlatformBus.BusQueuePrefix(role.Name)}0b5a00009bbc199b0b4b08df534aa781";
            role.Configure.IsMatch(own).ShouldBeTrue(role.Name);
            Roles.Where(r => r.Configure.IsMatch(own)).Select(r => r.Name).ShouldBe([role.Name]);
        }
    }

    [Theory]
    [MemberData(nameof(ComposeFileTests.Services), MemberType = typeof(ComposeFileTests))]
    public void In_compose_each_service_connects_as_its_own_user_created_before_it_starts(string service)
    {
        var services = Compose.Map("services");
        var url = services.Map(service).Map("environment").Text("Bus__RabbitMqUrl")!;
        var users = services.Map("rabbitmq-users");
        var variable = $"K8S_AGENT_BROKER_PASSWORD_{service.ToUpperInvariant()}";

        url.ShouldStartWith($"amqp://{Table.GetProperty("userPrefix").GetString()}{service}:${{{variable}:-");
        users.Map("environment").Text(variable).ShouldNotBeNull().ShouldStartWith("${" + variable + ":-");
        services.Map(service).Map("depends_on").Map("rabbitmq-users").Text("condition").ShouldBe("service_completed_successfully");
    }

    [Fact]
    public void In_compose_the_users_come_from_the_table_through_prepare_users()
    {
        var users = Compose.Map("services").Map("rabbitmq-users");

        string.Join(" ", Repository.List(users.GetValueOrDefault("entrypoint"))).ShouldContain("/etc/k8s-agent/rabbitmq/prepare-users");
        Repository.List(users.GetValueOrDefault("volumes")).Select(Repository.Map).ShouldContain(v => v.Text("source") == "./deploy/rabbitmq");
    }

    [Fact]
    public void The_chart_names_one_broker_secret_per_service()
    {
        var values = Repository.Documents(Repository.Read("deploy/helm/k8s-agent/values.yaml")).Single();

        values.Map("rabbitmq").Map("existingSecrets").Keys.Cast<string>().Order().ShouldBe(values.Map("services").Keys.Cast<string>().Order());
        Repository.Read("deploy/helm/k8s-agent/templates/deployments.yaml").ShouldContain("index $.Values.rabbitmq.existingSecrets $service");
    }

    [Fact]
    public void Prepare_users_prints_every_row_of_the_table_as_rabbitmqctl_commands()
    {
        var output = Run("python3", Repository.PathOf("deploy/rabbitmq/prepare-users"), "--print", "--vhost", "/", "--publisher", "ci-pipeline");

        foreach (var role in Roles.Where(r => r.Name != "publisher"))
        {
            output.ShouldContain($"set_permissions -p '/' 'k8s-agent-{role.Name}' '{role.Configure}' '{role.Write}' '{role.Read}'");
        }

        output.ShouldContain($"set_permissions -p '/' 'ci-pipeline' '^$' '^submit-request-json$' '^$'");
        output.ShouldContain("set_user_tags 'k8s-agent-orchestrator' impersonator");
    }

    private static string Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw Xunit.Sdk.SkipException.ForSkip($"SKIPPED: {file} is not installed ({e.Message}).");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            process.ExitCode.ShouldBe(0, error);
            return output;
        }
    }
}
