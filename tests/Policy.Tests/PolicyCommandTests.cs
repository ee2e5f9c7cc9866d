using System.CommandLine;
using System.Text.Json;
using K8sAgentPlatform.Cli.Commands;
using K8sAgentPlatform.Contracts.Intent;
using static K8sAgentPlatform.Policy.Tests.Intents;

namespace K8sAgentPlatform.Policy.Tests;

/// <summary>`k8s-agent policy test` run in-process through its Create() factory.</summary>
public sealed class PolicyCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("policy-cli-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string File(string name, string content)
    {
        var path = Path.Combine(_dir.FullName, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    private string IntentFile(params KubernetesOperation[] operations) =>
        File($"intent-{Guid.NewGuid():N}.json", IntentJson.Serialize(IntentOf(RiskLevel.Low, operations)));

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { PolicyCommand.Create() };
        var code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task An_approved_intent_exits_0_with_the_documented_json()
    {
        var (code, output, _) = await Run("policy", "test", "--intent", IntentFile(Scale(3), Op(OperationType.GetStatus)), "--offline", "--json");

        code.ShouldBe(0);
        using var json = JsonDocument.Parse(output);
        json.RootElement.GetProperty("approved").GetBoolean().ShouldBeTrue();
        var operations = json.RootElement.GetProperty("operations");
        operations.GetArrayLength().ShouldBe(2);
        var first = operations[0];
        first.GetProperty("index").GetInt32().ShouldBe(0);
        first.GetProperty("approved").GetBoolean().ShouldBeTrue();
        first.GetProperty("requires_confirmation").GetBoolean().ShouldBeFalse();
        first.GetProperty("reasons").GetArrayLength().ShouldBe(0);
        first.GetProperty("warnings").ValueKind.ShouldBe(JsonValueKind.Array);
    }

    [Fact]
    public async Task A_rejected_operation_exits_1_and_names_the_rule()
    {
        var (code, output, _) = await Run("policy", "test", "--intent", IntentFile(Scale(3), Image("gcr.io/my-project-evil/web", "1.0")), "--offline", "--json");

        code.ShouldBe(1);
        using var json = JsonDocument.Parse(output);
        json.RootElement.GetProperty("approved").GetBoolean().ShouldBeFalse();
        json.RootElement.GetProperty("operations")[1].GetProperty("reasons")[0].GetString().ShouldStartWith("[image.registry]");
    }

    [Fact]
    public async Task The_table_shows_each_verdict_and_reason()
    {
        var (code, output, _) = await Run("policy", "test", "--intent", IntentFile(Scale(3), Scale(3, "kube-system")), "--offline");

        code.ShouldBe(1);
        output.ShouldContain("approved");
        output.ShouldContain("REJECTED");
        output.ShouldContain("[namespace.protected]");
        output.ShouldContain("Rejected: 1 of 2");
    }

    [Fact]
    public async Task An_invalid_intent_file_exits_2_and_prints_every_error()
    {
        var path = File("bad.json", """
            {"original_request":"x","operations":[{"operation_type":"scale","resource_type":"deployment","resource_name":"Web",
              "namespace":"staging","parameters":{"replicas":500},"reason":"because","requires_confirmation":false}],
             "estimated_risk_level":"low","summary":"short"}
            """);

        var (code, output, error) = await Run("policy", "test", "--intent", path, "--offline");

        code.ShouldBe(2);
        output.ShouldBeEmpty();
        error.ShouldContain("operations[0].resource_name");
        error.ShouldContain("operations[0].parameters.replicas");
        error.ShouldContain("operations[0].reason");
        error.ShouldContain("summary");
    }

    [Fact]
    public async Task An_invalid_policy_file_exits_2_naming_line_and_key()
    {
        var policy = File("policy.yaml", "scaling:\n  max_replicas: 10\n  max_scale: 2\n");

        var (code, _, error) = await Run("policy", "test", "--intent", IntentFile(Scale(3)), "--policy", policy, "--offline");

        code.ShouldBe(2);
        error.ShouldContain("line 3");
        error.ShouldContain("scaling.max_scale");
    }

    [Fact]
    public async Task A_policy_file_changes_the_verdict()
    {
        var policy = File("policy.yaml", "scaling:\n  max_replicas: 2\n");

        (await Run("policy", "test", "--intent", IntentFile(Scale(3)), "--offline")).Code.ShouldBe(0);
        (await Run("policy", "test", "--intent", IntentFile(Scale(3)), "--policy", policy, "--offline")).Code.ShouldBe(1);
    }

    [Theory]
    [InlineData("policy", "test", "--offline")]
    [InlineData("policy", "test", "--intent", "/nonexistent/intent.json", "--offline")]
    [InlineData("policy", "test", "--intent", "/nonexistent/intent.json", "--offline", "--kubeconfig", "/nonexistent/kubeconfig")]
    public async Task Missing_or_contradictory_inputs_exit_2(params string[] args)
    {
        (await Run(args)).Code.ShouldBe(2);
    }

    [Fact]
    public async Task With_a_kubeconfig_the_live_checks_run_against_the_cluster()
    {
        await using var stub = new KubeApiStub();
        stub.Routes["GET /apis/apps/v1/namespaces/staging/deployments/web"] = (200, """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"staging","resourceVersion":"77"},
             "spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"web","image":"x"}]}}}}
            """);
        stub.Routes["PATCH /apis/apps/v1/namespaces/staging/deployments/web/scale"] = (200, """{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web"},"spec":{"replicas":3}}""");
        var kubeconfig = File("kubeconfig", $$$"""
            apiVersion: v1
            kind: Config
            clusters: [{name: stub, cluster: {server: "{{{stub.Url.TrimEnd('/')}}}"}}]
            users: [{name: me, user: {token: test-token}}]
            contexts: [{name: stub, context: {cluster: stub, user: me}}]
            current-context: stub
            """);

        var approved = await Run("policy", "test", "--intent", IntentFile(Scale(3)), "--kubeconfig", kubeconfig, "--json");
        var tooFar = await Run("policy", "test", "--intent", IntentFile(Scale(4)), "--kubeconfig", kubeconfig, "--json");
        var missing = await Run("policy", "test", "--intent", IntentFile(Scale(3, name: "gone")), "--kubeconfig", kubeconfig, "--json");

        approved.Code.ShouldBe(0, approved.Out + approved.Err);
        approved.Out.ShouldContain("\"resource_version\": \"77\"");
        approved.Out.ShouldContain("\"dry_run\": \"Passed\"");
        tooFar.Code.ShouldBe(1);
        tooFar.Out.ShouldContain("live.scale_factor");
        missing.Code.ShouldBe(1);
        missing.Out.ShouldContain("live.exists");
        stub.Requests.ShouldContain(r => r.Method == "PATCH" && r.Query.Contains("dryRun=All"));
    }
}
