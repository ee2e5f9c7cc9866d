using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace K8sAgentPlatform.KubeSandbox.Api;

/// <summary>/version, /api, /apis and the per-group documents kubectl discovers resources from.</summary>
internal static class Discovery
{
    private const string AggregatedMediaType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    public static async Task<bool> TryHandleAsync(HttpContext http, string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var aggregated = http.Request.Headers.Accept.ToString().Contains("v=v2;as=APIGroupDiscoveryList", StringComparison.Ordinal);
        switch (segments)
        {
            case ["version"]:
                await ApiHandler.WriteJsonAsync(http, 200, Version());
                return true;
            case ["healthz" or "livez" or "readyz"]:
                http.Response.ContentType = "text/plain";
                await http.Response.WriteAsync("ok", http.RequestAborted);
                return true;
            case ["api"]:
                await ApiHandler.WriteJsonAsync(http, 200,
                    aggregated ? AggregatedList([""]) : new JsonObject
                    {
                        ["kind"] = "APIVersions",
                        ["versions"] = new JsonArray("v1"),
                        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
                        {
                            ["clientCIDR"] = "0.0.0.0/0",
                            ["serverAddress"] = http.Request.Host.ToString(),
                        }),
                    },
                    aggregated ? AggregatedMediaType : "application/json");
                return true;
            case ["apis"]:
                var groups = ResourceTypes.GroupVersions.Select(gv => gv.Group).Where(g => g.Length > 0).Distinct().ToList();
                await ApiHandler.WriteJsonAsync(http, 200,
                    aggregated ? AggregatedList(groups) : new JsonObject
                    {
                        ["kind"] = "APIGroupList",
                        ["apiVersion"] = "v1",
                        ["groups"] = new JsonArray(groups.Select(g => (JsonNode?)Group(g)).ToArray()),
                    },
                    aggregated ? AggregatedMediaType : "application/json");
                return true;
            case ["api", "v1"]:
                await ApiHandler.WriteJsonAsync(http, 200, ResourceList("", "v1"));
                return true;
            case ["apis", var group] when ResourceTypes.GroupVersions.Any(gv => gv.Group == group):
                await ApiHandler.WriteJsonAsync(http, 200, Group(group));
                return true;
            case ["apis", var group, var version] when ResourceTypes.GroupVersions.Contains((group, version)):
                await ApiHandler.WriteJsonAsync(http, 200, ResourceList(group, version));
                return true;
            case ["openapi", ..]:
                throw new ApiException(404, "NotFound", "the server could not find the requested resource");
            default:
                return false;
        }
    }

    private static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.0",
        ["gitCommit"] = "70d3cc986aa8221cd1dfb1121852688902d3bf53",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2024-12-11T17:59:15Z",
        ["goVersion"] = "go1.23.3",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    private static JsonObject Group(string group)
    {
        var versions = ResourceTypes.GroupVersions.Where(gv => gv.Group == group)
            .Select(gv => new JsonObject { ["groupVersion"] = $"{group}/{gv.Version}", ["version"] = gv.Version })
            .ToList();
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode?)v).ToArray()),
            ["preferredVersion"] = versions[0].DeepClone(),
        };
    }

    private static JsonObject AggregatedList(IEnumerable<string> groups)
    {
        var items = new JsonArray();
        foreach (var group in groups)
        {
            var versions = new JsonArray();
            foreach (var (_, version) in ResourceTypes.GroupVersions.Where(gv => gv.Group == group))
            {
                var resources = new JsonArray();
                foreach (var t in ResourceTypes.Known.Where(t => t.Group == group && t.Version == version))
                {
                    var entry = new JsonObject
                    {
                        ["resource"] = t.Plural,
                        ["responseKind"] = Kind(t.Group, t.Version, t.Kind),
                        ["scope"] = t.Namespaced ? "Namespaced" : "Cluster",
                        ["singularResource"] = t.Singular,
                        ["verbs"] = Verbs(),
                    };
                    if (t.ShortNames.Length > 0)
                    {
                        entry["shortNames"] = new JsonArray(t.ShortNames.Select(s => (JsonNode?)s).ToArray());
                    }
                    if (t.Categories.Length > 0)
                    {
                        entry["categories"] = new JsonArray(t.Categories.Select(s => (JsonNode?)s).ToArray());
                    }
                    if (t.Subresources.Length > 0)
                    {
                        entry["subresources"] = new JsonArray(t.Subresources.Select(s =>
                        {
                            var (g, v, k, verbs) = Subresource(t, s);
                            return (JsonNode?)new JsonObject
                            {
                                ["subresource"] = s,
                                ["verbs"] = new JsonArray(verbs.Select(x => (JsonNode?)x).ToArray()),
                                ["responseKind"] = Kind(g, v, k),
                            };
                        }).ToArray());
                    }
                    resources.Add(entry);
                }
                versions.Add(new JsonObject { ["version"] = version, ["resources"] = resources, ["freshness"] = "Current" });
            }
            items.Add(new JsonObject
            {
                ["metadata"] = group.Length == 0 ? new JsonObject() : new JsonObject { ["name"] = group },
                ["versions"] = versions,
            });
        }
        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    private static JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var t in ResourceTypes.Known.Where(t => t.Group == group && t.Version == version))
        {
            var entry = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = Verbs(),
            };
            if (t.ShortNames.Length > 0)
            {
                entry["shortNames"] = new JsonArray(t.ShortNames.Select(s => (JsonNode?)s).ToArray());
            }
            if (t.Categories.Length > 0)
            {
                entry["categories"] = new JsonArray(t.Categories.Select(s => (JsonNode?)s).ToArray());
            }
            resources.Add(entry);
            foreach (var s in t.Subresources)
            {
                var (g, v, k, verbs) = Subresource(t, s);
                var sub = new JsonObject
                {
                    ["name"] = $"{t.Plural}/{s}",
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                    ["kind"] = k,
                    ["verbs"] = new JsonArray(verbs.Select(x => (JsonNode?)x).ToArray()),
                };
                if (g != t.Group || v != t.Version)
                {
                    sub["group"] = g;
                    sub["version"] = v;
                }
                resources.Add(sub);
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static (string Group, string Version, string Kind, string[] Verbs) Subresource(ResourceType t, string name) => name switch
    {
        "scale" => ("autoscaling", "v1", "Scale", ["get", "patch", "update"]),
        "eviction" => ("policy", "v1", "Eviction", ["create"]),
        "log" => (t.Group, t.Version, t.Kind, ["get"]),
        _ => (t.Group, t.Version, t.Kind, ["get", "patch", "update"]),
    };

    private static JsonObject Kind(string group, string version, string kind) =>
        new() { ["group"] = group, ["version"] = version, ["kind"] = kind };

    private static JsonArray Verbs() =>
        new("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
}
