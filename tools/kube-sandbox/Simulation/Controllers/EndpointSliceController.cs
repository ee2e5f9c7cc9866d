using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation.Controllers;

/// <summary>One EndpointSlice per selecting service, listing the ready pods it selects.</summary>
internal sealed class EndpointSliceController(ControllerContext context) : Controller(context)
{
    public override ResourceType Kind => ResourceTypes.EndpointSlices;

    public override void UpdateStatus()
    {
        foreach (var svc in All(ResourceTypes.Services))
        {
            if (svc.At("spec", "selector") is not JsonObject selector || selector.Count == 0)
            {
                continue;
            }
            var wanted = selector.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "");
            var pods = All(ResourceTypes.Pods, svc.Namespace())
                .Where(p => Active(p) && p.Str("status", "podIP") is not null && wanted.All(kv => p.Labels().GetValueOrDefault(kv.Key) == kv.Value))
                .ToList();
            var endpoints = new JsonArray(pods.Select(p => (JsonNode?)new JsonObject
            {
                ["addresses"] = new JsonArray(p.Str("status", "podIP")),
                ["conditions"] = new JsonObject { ["ready"] = Disruption.Healthy(p), ["serving"] = Disruption.Healthy(p), ["terminating"] = false },
                ["nodeName"] = p.Str("spec", "nodeName"),
                ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = p.Namespace(), ["name"] = p.Name(), ["uid"] = p.Uid() },
            }).ToArray());
            var ports = new JsonArray(svc.Objects("spec", "ports").Select(port => (JsonNode?)new JsonObject
            {
                ["name"] = port.Str("name") ?? "",
                ["port"] = port.Long("targetPort") ?? port.Long("port") ?? 0,
                ["protocol"] = port.Str("protocol") ?? "TCP",
            }).ToArray());
            var name = $"{svc.Name()}-{Templates.HashText(svc.Uid())}";
            if (Store.TryGet(ResourceTypes.EndpointSlices, svc.Namespace(), name) is { } existing)
            {
                Mutate(ResourceTypes.EndpointSlices, existing, e =>
                {
                    e["endpoints"] = endpoints;
                    e["ports"] = ports;
                });
                continue;
            }
            Store.Create(ResourceTypes.EndpointSlices, svc.Namespace(), new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["labels"] = new JsonObject
                    {
                        ["kubernetes.io/service-name"] = svc.Name(),
                        ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io",
                    },
                    ["ownerReferences"] = new JsonArray(svc.OwnerReference()),
                },
                ["addressType"] = "IPv4",
                ["endpoints"] = endpoints,
                ["ports"] = ports,
            }, scope: WriteScope.Internal);
        }
    }
}
