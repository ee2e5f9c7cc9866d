using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;

namespace K8sAgentPlatform.KubeSandbox.Tests;

public sealed class StrategicMergeTests
{
    private static JsonObject Pod() => JsonNode.Parse("""
        {"spec":{"containers":[
          {"name":"app","image":"app:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
           "ports":[{"containerPort":80,"protocol":"TCP"}],"volumeMounts":[{"name":"data","mountPath":"/data"}]},
          {"name":"sidecar","image":"proxy:1"}],
          "volumes":[{"name":"data","emptyDir":{}}],"nodeSelector":{"disk":"ssd"}}}
        """)!.AsObject();

    private static JsonObject Patch(string json) => StrategicMerge.Apply(Pod(), JsonNode.Parse(json)!.AsObject());

    [Fact]
    public void Env_entries_merge_by_name_and_keep_the_others()
    {
        var result = Patch("""{"spec":{"containers":[{"name":"app","env":[{"name":"B","value":"3"},{"name":"C","value":"4"}]}]}}""");

        var env = result["spec"]!["containers"]![0]!["env"]!.AsArray();
        env.Select(e => $"{e!["name"]}={e["value"]}").ShouldBe(["A=1", "B=3", "C=4"]);
        result["spec"]!["containers"]![1]!["image"]!.GetValue<string>().ShouldBe("proxy:1");
    }

    [Fact]
    public void A_patch_delete_directive_removes_the_keyed_item()
    {
        var result = Patch("""{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}],"volumes":[{"name":"data","$patch":"delete"}]}}""");

        result["spec"]!["containers"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ShouldBe(["app"]);
        result["spec"]!["volumes"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public void A_patch_replace_directive_replaces_the_whole_map()
    {
        var result = Patch("""{"spec":{"nodeSelector":{"$patch":"replace","zone":"a"}}}""");

        result["spec"]!["nodeSelector"]!.ToJsonString().ShouldBe("""{"zone":"a"}""");
    }

    [Fact]
    public void Set_element_order_reorders_and_directives_are_never_stored()
    {
        var result = Patch("""{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"app"}],"containers":[{"name":"app","image":"app:2"}]}}""");

        result["spec"]!["containers"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ShouldBe(["sidecar", "app"]);
        result["spec"]!["containers"]![1]!["image"]!.GetValue<string>().ShouldBe("app:2");
        result.ToJsonString().ShouldNotContain("$");
    }

    [Fact]
    public void Ports_merge_by_container_port_and_mounts_by_mount_path_and_null_deletes()
    {
        var result = Patch("""
            {"spec":{"nodeSelector":null,"containers":[{"name":"app",
              "ports":[{"containerPort":80,"name":"http"},{"containerPort":9090}],
              "volumeMounts":[{"mountPath":"/data","readOnly":true}]}]}}
            """);

        var app = result["spec"]!["containers"]![0]!;
        app["ports"]!.AsArray().Count.ShouldBe(2);
        app["ports"]![0]!["name"]!.GetValue<string>().ShouldBe("http");
        app["ports"]![0]!["protocol"]!.GetValue<string>().ShouldBe("TCP");
        app["volumeMounts"]![0]!["name"]!.GetValue<string>().ShouldBe("data");
        app["volumeMounts"]![0]!["readOnly"]!.GetValue<bool>().ShouldBeTrue();
        result["spec"]!.AsObject().ContainsKey("nodeSelector").ShouldBeFalse();
    }

    [Fact]
    public void Label_selectors_parse_every_operator()
    {
        var labels = new Dictionary<string, string> { ["app"] = "api", ["tier"] = "backend" };

        LabelSelector.Parse("app=api,tier in (backend, frontend)").Matches(labels).ShouldBeTrue();
        LabelSelector.Parse("app==api,tier notin (frontend),!canary,tier").Matches(labels).ShouldBeTrue();
        LabelSelector.Parse("app!=api").Matches(labels).ShouldBeFalse();
        LabelSelector.Parse("missing").Matches(labels).ShouldBeFalse();
        Should.Throw<ApiException>(() => LabelSelector.Parse("app in api")).Code.ShouldBe(400);
    }
}
