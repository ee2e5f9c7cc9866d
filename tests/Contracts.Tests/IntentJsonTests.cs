using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Contracts.Tests;

public sealed class IntentJsonTests
{
    private const string ScaleIntent = """
        {"original_request":"scale api to 3 in dev",
         "operations":[{"operation_type":"scale","resource_type":"deployment","resource_name":"api","namespace":"dev",
                        "parameters":{"replicas":3},"reason":"operator asked for 3 replicas","requires_confirmation":false}],
         "estimated_risk_level":"low","summary":"Scale deployment api in dev to 3 replicas"}
        """;

    [Fact]
    public void A_valid_intent_is_read_with_its_typed_parameters()
    {
        var intent = IntentJson.Parse(ScaleIntent);

        var operation = intent.Operations.ShouldHaveSingleItem();
        operation.OperationType.ShouldBe(OperationType.Scale);
        operation.ResourceType.ShouldBe(ResourceType.Deployment);
        operation.Parameters.ShouldBeOfType<ScaleParameters>().Replicas.ShouldBe(3);
        intent.EstimatedRiskLevel.ShouldBe(RiskLevel.Low);
    }

    [Fact]
    public void Writing_then_reading_gives_the_same_json()
    {
        var first = IntentJson.Serialize(IntentJson.Parse(ScaleIntent));
        var second = IntentJson.Serialize(IntentJson.Parse(first));

        second.ShouldBe(first);
        first.ShouldContain("\"parameters\":{\"replicas\":3}");
        first.ShouldContain("\"operation_type\":\"scale\"");
    }

    [Fact]
    public void Replicas_beyond_the_bound_are_reported_with_their_path()
    {
        var errors = Errors(ScaleIntent.Replace("\"replicas\":3", "\"replicas\":500"));

        errors.ShouldBe(["operations[0].parameters.replicas: must be between 0 and 100, got 500"]);
    }

    [Fact]
    public void Every_violation_comes_back_together()
    {
        var json = ScaleIntent
            .Replace("\"replicas\":3", "\"replicas\":-1")
            .Replace("\"namespace\":\"dev\"", "\"namespace\":\"Dev_Space\"")
            .Replace("operator asked for 3 replicas", "short")
            .Replace("\"low\"", "\"extreme\"");

        var errors = Errors(json);

        errors.ShouldContain(e => e.StartsWith("estimated_risk_level: must be one of low, medium, high, critical"));
        errors.ShouldContain("operations[0].parameters.replicas: must be between 0 and 100, got -1");
        errors.ShouldContain(e => e.StartsWith("operations[0].namespace: must be a DNS-1123 label"));
        errors.ShouldContain("operations[0].reason: must be between 10 and 500 characters, got 5");
    }

    [Fact]
    public void A_parameter_that_does_not_fit_the_operation_type_is_an_error()
    {
        var errors = Errors(ScaleIntent.Replace("{\"replicas\":3}", "{\"replicas\":3,\"image\":\"nginx\"}"));

        errors.ShouldBe(["operations[0].parameters.image: not a parameter of scale (scale takes replicas)"]);
    }

    [Fact]
    public void Parameters_are_chosen_by_operation_type_not_by_shape()
    {
        // An all-optional variant (get_logs) must not swallow a restart's stray parameters.
        var json = ScaleIntent.Replace("\"scale\"", "\"restart\"").Replace("{\"replicas\":3}", "{\"tail_lines\":5}");

        Errors(json).ShouldBe(["operations[0].parameters: restart takes no parameters; set parameters to null"]);
    }

    [Fact]
    public void Missing_and_null_optional_parameters_are_both_accepted()
    {
        var logs = ScaleIntent.Replace("\"scale\"", "\"get_logs\"");

        var missing = IntentJson.Parse(logs.Replace("{\"replicas\":3}", "{\"container_name\":\"app\"}"));
        var nulls = IntentJson.Parse(logs.Replace("{\"replicas\":3}", "{\"container_name\":null,\"tail_lines\":null,\"since_seconds\":null}"));
        var absent = IntentJson.Parse(logs.Replace("\"parameters\":{\"replicas\":3},", ""));

        missing.Operations[0].Parameters.ShouldBeOfType<GetLogsParameters>().EffectiveTailLines.ShouldBe(100);
        nulls.Operations[0].Parameters.ShouldBeOfType<GetLogsParameters>().ContainerName.ShouldBeNull();
        absent.Operations[0].Parameters.ShouldBeOfType<GetLogsParameters>().TailLines.ShouldBeNull();
    }

    [Fact]
    public void A_required_parameter_object_cannot_be_left_out()
    {
        Errors(ScaleIntent.Replace("\"parameters\":{\"replicas\":3},", ""))
            .ShouldBe(["operations[0].parameters: scale needs parameters {replicas}"]);
    }

    [Fact]
    public void Unknown_top_level_fields_are_errors()
    {
        Errors(ScaleIntent.Replace("{\"original_request\"", "{\"dry\":true,\"original_request\""))
            .ShouldBe(["dry: unknown field (allowed: original_request, operations, estimated_risk_level, summary)"]);
    }

    [Theory]
    [InlineData("web\\n", "trailing newline")]
    [InlineData("../etc", "path trick")]
    [InlineData("web app", "whitespace")]
    [InlineData("wеb", "cyrillic look-alike e")]
    [InlineData("Web", "upper case")]
    public void Resource_names_must_be_dns_1123(string name, string why)
    {
        var errors = Errors(ScaleIntent.Replace("\"resource_name\":\"api\"", $"\"resource_name\":\"{name}\""));

        errors.ShouldHaveSingleItem(why).ShouldStartWith("operations[0].resource_name: must be a DNS-1123 subdomain");
    }

    [Fact]
    public void Deletes_across_several_namespaces_are_refused()
    {
        var second = """{"operation_type":"delete","resource_type":"configmap","resource_name":"old","namespace":"staging","parameters":null,"reason":"remove the unused config","requires_confirmation":true}""";
        var json = ScaleIntent.Replace("\"requires_confirmation\":false}]", "\"requires_confirmation\":false}," + second + "]");

        Errors(json).ShouldBe(["operations: delete operations are not allowed in an intent that spans several namespaces; send one intent per namespace"]);
    }

    [Fact]
    public void An_operation_must_fit_its_resource_type()
    {
        Errors(ScaleIntent.Replace("\"deployment\"", "\"configmap\""))
            .ShouldBe(["operations[0].resource_type: scale does not apply to configmap (it applies to deployment, statefulset, replicaset)"]);
    }

    [Fact]
    public void Nodes_have_no_namespace_and_other_objects_need_one()
    {
        var cordon = """{"original_request":"cordon worker-1","operations":[{"operation_type":"cordon_node","resource_type":"node","resource_name":"worker-1","namespace":"dev","parameters":null,"reason":"maintenance on worker-1","requires_confirmation":true}],"estimated_risk_level":"high","summary":"Cordon node worker-1"}""";

        Errors(cordon).ShouldBe(["operations[0].namespace: nodes are not in a namespace; set namespace to null"]);
        IntentJson.Parse(cordon.Replace("\"namespace\":\"dev\"", "\"namespace\":null")).Operations[0].Namespace.ShouldBeNull();
        Errors(ScaleIntent.Replace("\"namespace\":\"dev\"", "\"namespace\":null")).ShouldBe(["operations[0].namespace: is required for a deployment"]);
    }

    [Fact]
    public void Bad_json_is_a_single_clear_error()
    {
        Errors("{not json").ShouldHaveSingleItem().ShouldStartWith("not valid JSON:");
        Errors("[]").ShouldBe(["must be a JSON object, got an array"]);
    }

    [Fact]
    public void Building_in_code_checks_the_same_bounds()
    {
        var operation = new KubernetesOperation
        {
            OperationType = OperationType.Scale,
            ResourceType = ResourceType.Deployment,
            ResourceName = "api",
            Namespace = "dev",
            Parameters = new ScaleParameters { Replicas = 500 },
            Reason = "operator asked for it",
            RequiresConfirmation = false,
        };

        var error = Should.Throw<IntentValidationException>(() => KubernetesIntent.Create("scale", [operation], RiskLevel.Low, "too short"));

        error.Errors.Select(e => e.ToString()).ShouldBe([
            "summary: must be between 10 and 500 characters, got 9",
            "operations[0].parameters.replicas: must be between 0 and 100, got 500",
        ]);
    }

    [Fact]
    public void A_manifest_larger_than_64_KiB_is_refused()
    {
        var manifest = new string('a', 70_000);
        var json = ScaleIntent.Replace("\"scale\"", "\"apply_manifest\"").Replace("{\"replicas\":3}", $"{{\"manifest\":\"{manifest}\"}}");

        Errors(json).ShouldContain("operations[0].parameters.manifest: must be between 1 and 65536 characters, got 70000");
    }

    [Fact]
    public void Operations_travel_alone_through_system_text_json_in_canonical_form()
    {
        var operation = IntentJson.Parse(ScaleIntent).Operations[0];
        var message = new ExecuteOperation { RequestId = Guid.NewGuid(), Index = 0, Operation = operation };

        var json = System.Text.Json.JsonSerializer.Serialize(message);
        var back = System.Text.Json.JsonSerializer.Deserialize<ExecuteOperation>(json)!;

        json.ShouldContain("\"parameters\":{\"replicas\":3}");
        back.Operation.ShouldBe(operation);
    }

    private static IReadOnlyList<string> Errors(string json)
    {
        IntentJson.TryParse(json, out var intent, out var errors).ShouldBeFalse();
        intent.ShouldBeNull();
        return errors.Select(e => e.ToString()).ToList();
    }
}
