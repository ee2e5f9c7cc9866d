using System.Text.Json.Nodes;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Kubernetes;

namespace K8sAgentPlatform.Policy.Tests;

/// <summary>The one field-level diff: what it leaves out, how it names paths, how it keeps long diffs readable.</summary>
public sealed class ManagedStateChangesTests
{
    private static JsonObject Deployment(int replicas, string image, string resourceVersion) => JsonNode.Parse($$"""
        {
          "apiVersion": "apps/v1", "kind": "Deployment",
          "metadata": { "name": "web", "resourceVersion": "{{resourceVersion}}", "generation": {{replicas}}, "uid": "u-{{resourceVersion}}",
                        "managedFields": [{ "manager": "m{{resourceVersion}}" }],
                        "annotations": { "deployment.kubernetes.io/revision": "{{resourceVersion}}", "team.example.com/owner": "web" } },
          "spec": { "replicas": {{replicas}}, "template": { "spec": { "containers": [ { "name": "web", "image": "{{image}}" } ] } } },
          "status": { "readyReplicas": {{replicas}} }
        }
        """)!.AsObject();

    [Fact]
    public void Only_managed_fields_are_compared_and_array_elements_are_indexed()
    {
        var changes = ManagedState.Changes(Deployment(2, "nginx:1.27", "1"), Deployment(3, "nginx:1.28", "2"), maskValues: false);

        changes.ShouldBe([
            new FieldChange("spec.replicas", "2", "3"),
            new FieldChange("spec.template.spec.containers[0].image", "\"nginx:1.27\"", "\"nginx:1.28\""),
        ]);
    }

    [Fact]
    public void Keys_with_dots_or_slashes_are_quoted_and_absent_sides_are_null()
    {
        var relabelled = Deployment(2, "nginx:1.27", "1");
        relabelled["metadata"]!["annotations"]!["team.example.com/owner"] = "checkout";
        ManagedState.Changes(Deployment(2, "nginx:1.27", "1"), relabelled, maskValues: false)
            .ShouldBe([new FieldChange("metadata.annotations[\"team.example.com/owner\"]", "\"web\"", "\"checkout\"")]);

        var after = Deployment(2, "nginx:1.27", "1");
        after["metadata"]!["annotations"]!.AsObject().Remove("team.example.com/owner");
        after["metadata"]!["labels"] = new JsonObject { ["app"] = "web" };

        var changes = ManagedState.Changes(Deployment(2, "nginx:1.27", "1"), after, maskValues: false);

        changes.ShouldBe([
            new FieldChange("metadata.annotations[\"team.example.com/owner\"]", "\"web\"", null),
            new FieldChange("metadata.labels.app", null, "\"web\""),
        ]);
    }

    [Fact]
    public void A_long_diff_is_cut_with_a_count_and_long_values_are_shortened()
    {
        var before = new JsonObject { ["data"] = new JsonObject() };
        var after = new JsonObject { ["data"] = new JsonObject() };
        for (var i = 0; i < 60; i++)
        {
            after["data"]![$"key{i:00}"] = new string('x', 500);
        }

        var changes = ManagedState.Changes(before, after, maskValues: false);

        changes.Count.ShouldBe(51);
        changes[^1].ShouldBe(new FieldChange("(10 more field(s) not shown)", null, null));
        changes[0].After!.Length.ShouldBe(200);
        changes[0].After.ShouldEndWith("...");
    }

    [Fact]
    public void Masked_values_read_redacted_and_the_lines_of_differences_name_paths_only()
    {
        var before = new JsonObject { ["kind"] = "Secret", ["data"] = new JsonObject { ["PASSWORD"] = "b2xk" } };
        var after = new JsonObject { ["kind"] = "Secret", ["data"] = new JsonObject { ["PASSWORD"] = "bmV3", ["TOKEN"] = "dG9r" } };

        ManagedState.Changes(before, after, maskValues: true).ShouldBe([
            new FieldChange("data.PASSWORD", FieldChange.Redacted, FieldChange.Redacted),
            new FieldChange("data.TOKEN", null, FieldChange.Redacted),
        ]);
        ManagedState.Differences(before, after, maskValues: true).ShouldBe(["data.PASSWORD changed", "data.TOKEN changed"]);
        ManagedState.Differences(before, after, maskValues: false).ShouldBe(["data.PASSWORD: \"b2xk\" -> \"bmV3\"", "data.TOKEN: (absent) -> \"dG9r\""]);
    }
}
