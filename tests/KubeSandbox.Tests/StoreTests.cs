using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Tests;

public sealed class StoreTests
{
    private static ObjectStore NewStore()
    {
        var store = new ObjectStore(TimeProvider.System);
        store.Create(ResourceTypes.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } });
        return store;
    }

    private static JsonObject ConfigMap(string name, string tier) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["tier"] = tier } },
        ["data"] = new JsonObject { ["k"] = "v" },
    };

    [Fact]
    public void A_selector_watch_sees_objects_entering_as_added_and_leaving_as_deleted()
    {
        var store = NewStore();
        store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a", "web"));
        var selector = LabelSelector.Parse("tier=web");
        using var watch = store.Watch(ResourceTypes.ConfigMaps, "default", store.ResourceVersion, o => selector.Matches(o.Labels()));

        store.Update(ResourceTypes.ConfigMaps, "default", "a", o => { o["metadata"]!["labels"]!["tier"] = "db"; return o; });
        store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("b", "db"));
        store.Update(ResourceTypes.ConfigMaps, "default", "b", o => { o["metadata"]!["labels"]!["tier"] = "web"; return o; });
        store.Update(ResourceTypes.ConfigMaps, "default", "b", o => { o["data"]!["k"] = "w"; return o; });
        store.Delete(ResourceTypes.ConfigMaps, "default", "b");

        var events = new List<string>();
        while (watch.Events.TryRead(out var e))
        {
            events.Add($"{e.Type} {e.Object.Name()}");
        }
        events.ShouldBe(["DELETED a", "ADDED b", "MODIFIED b", "DELETED b"]);
    }

    [Fact]
    public void Resource_versions_increase_across_kinds_and_generation_follows_spec_changes()
    {
        var store = NewStore();
        var cm = store.Create(ResourceTypes.ConfigMaps, "default", ConfigMap("a", "web"));
        var hpa = store.Create(ResourceTypes.HorizontalPodAutoscalers, "default", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "h" },
            ["spec"] = new JsonObject { ["maxReplicas"] = 3 },
        });
        var labelled = store.Update(ResourceTypes.HorizontalPodAutoscalers, "default", "h", o => { o["metadata"]!["labels"] = new JsonObject { ["x"] = "y" }; return o; });
        var respecced = store.Update(ResourceTypes.HorizontalPodAutoscalers, "default", "h", o => { o["spec"]!["maxReplicas"] = 5; return o; });

        hpa.Rv().ShouldBeGreaterThan(cm.Rv());
        labelled.Rv().ShouldBeGreaterThan(hpa.Rv());
        labelled.Long("metadata", "generation").ShouldBe(1);
        respecced.Long("metadata", "generation").ShouldBe(2);
        var tooOld = Should.Throw<ApiException>(() => store.Update(ResourceTypes.ConfigMaps, "default", "a", o =>
        {
            o["metadata"]!["resourceVersion"] = "1";
            o["data"]!["k"] = "changed";
            return o;
        }));
        tooOld.Code.ShouldBe(409);
    }
}
