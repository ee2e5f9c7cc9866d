using System.Text;
using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation;

/// <summary>Initial cluster contents: the namespaces and nodes every cluster has, and the "demo" workloads.</summary>
internal static class Seeding
{
    public static void Bootstrap(ObjectStore store, SandboxOptions options)
    {
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            Namespace(store, ns, []);
        }
        var now = JsonExtensions.Timestamp(options.TimeProvider.GetUtcNow());
        for (var i = 1; i <= options.NodeCount; i++)
        {
            Node(store, $"worker-{i}", i, now);
            store.Create(ResourceTypes.Leases, "kube-node-lease", new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = $"worker-{i}" },
                ["spec"] = new JsonObject
                {
                    ["holderIdentity"] = $"worker-{i}",
                    ["leaseDurationSeconds"] = 40,
                    ["renewTime"] = now.Replace("Z", ".000000Z"),
                },
            }, scope: WriteScope.Internal);
        }
    }

    public static void Apply(ObjectStore store, string seed)
    {
        if (seed != "demo")
        {
            throw new ArgumentException($"unknown seed '{seed}' (known: demo)", nameof(seed));
        }
        Namespace(store, "production", [("environment", "production")]);
        Namespace(store, "staging", [("environment", "staging")]);
        Namespace(store, "dev", [("environment", "dev")]);

        store.Create(ResourceTypes.Deployments, "kube-system", Deployment("coredns", "registry.k8s.io/coredns/coredns:v1.11.3", 2,
            [("k8s-app", "kube-dns")], 53));
        store.Create(ResourceTypes.DaemonSets, "kube-system", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "kube-proxy", ["labels"] = Labels([("k8s-app", "kube-proxy")]) },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = Labels([("k8s-app", "kube-proxy")]) },
                ["template"] = Template([("k8s-app", "kube-proxy")], "kube-proxy", "registry.k8s.io/kube-proxy:v1.32.0", null),
            },
        });

        foreach (var (ns, scale) in new[] { ("production", 1), ("staging", 0), ("dev", 0) })
        {
            var env = ns;
            store.Create(ResourceTypes.ConfigMaps, ns, new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "api-config", ["labels"] = Labels([("app", "api"), ("environment", env)]) },
                ["data"] = new JsonObject { ["LOG_LEVEL"] = ns == "production" ? "info" : "debug", ["FEATURE_CHECKOUT_V2"] = "false" },
            });
            store.Create(ResourceTypes.Secrets, ns, new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "api-credentials", ["labels"] = Labels([("app", "api"), ("environment", env)]) },
                ["type"] = "Opaque",
                ["data"] = new JsonObject { ["DATABASE_PASSWORD"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"sandbox-{ns}-password")) },
            });
            store.Create(ResourceTypes.Deployments, ns, Deployment("api", "ghcr.io/example/api:1.4.2", scale == 1 ? 3 : 1,
                [("app", "api"), ("tier", "backend"), ("environment", env)], 8080, configMap: "api-config"));
            store.Create(ResourceTypes.Deployments, ns, Deployment("web", "nginx:1.27.2", scale == 1 ? 2 : 1,
                [("app", "web"), ("tier", "frontend"), ("environment", env)], 80));
            store.Create(ResourceTypes.Services, ns, Service("api", "api", 80, 8080));
            store.Create(ResourceTypes.Services, ns, Service("web", "web", 80, 80));
        }
        store.Create(ResourceTypes.Deployments, "production", Deployment("worker", "ghcr.io/example/worker:2.0.1", 2,
            [("app", "worker"), ("tier", "backend"), ("environment", "production")], null));
        store.Create(ResourceTypes.StatefulSets, "production", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "postgres", ["labels"] = Labels([("app", "postgres"), ("tier", "data")]) },
            ["spec"] = new JsonObject
            {
                ["replicas"] = 2,
                ["serviceName"] = "postgres",
                ["selector"] = new JsonObject { ["matchLabels"] = Labels([("app", "postgres")]) },
                ["template"] = Template([("app", "postgres"), ("tier", "data")], "postgres", "postgres:16.4", 5432),
            },
        });
        store.Create(ResourceTypes.Services, "production", Service("postgres", "postgres", 5432, 5432));
        store.Create(ResourceTypes.PodDisruptionBudgets, "production", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "api", ["labels"] = Labels([("app", "api")]) },
            ["spec"] = new JsonObject
            {
                ["minAvailable"] = 2,
                ["selector"] = new JsonObject { ["matchLabels"] = Labels([("app", "api")]) },
            },
        });
        store.Create(ResourceTypes.HorizontalPodAutoscalers, "production", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "api" },
            ["spec"] = new JsonObject
            {
                ["scaleTargetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = "api" },
                ["minReplicas"] = 3,
                ["maxReplicas"] = 10,
                ["metrics"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Resource",
                    ["resource"] = new JsonObject
                    {
                        ["name"] = "cpu",
                        ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = 70 },
                    },
                }),
            },
        });
    }

    private static void Namespace(ObjectStore store, string name, (string, string)[] labels) =>
        store.Create(ResourceTypes.Namespaces, null, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = Labels(labels) },
        });

    private static void Node(ObjectStore store, string name, int index, string now) =>
        store.Create(ResourceTypes.Nodes, null, new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = Labels([
                    ("kubernetes.io/hostname", name), ("kubernetes.io/os", "linux"), ("kubernetes.io/arch", "amd64"),
                    ("topology.kubernetes.io/zone", $"zone-{(char)('a' + ((index - 1) % 3))}")]),
            },
            ["spec"] = new JsonObject { ["podCIDR"] = $"10.244.{index}.0/24" },
            ["status"] = new JsonObject
            {
                ["capacity"] = new JsonObject { ["cpu"] = "4", ["memory"] = "16Gi", ["pods"] = "110" },
                ["allocatable"] = new JsonObject { ["cpu"] = "3800m", ["memory"] = "15Gi", ["pods"] = "110" },
                ["conditions"] = new JsonArray(
                    NodeCondition("MemoryPressure", "False", "KubeletHasSufficientMemory", now),
                    NodeCondition("DiskPressure", "False", "KubeletHasNoDiskPressure", now),
                    NodeCondition("PIDPressure", "False", "KubeletHasSufficientPID", now),
                    NodeCondition("Ready", "True", "KubeletReady", now)),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = $"10.0.0.{10 + index}" },
                    new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                ["nodeInfo"] = new JsonObject
                {
                    ["kubeletVersion"] = "v1.32.0",
                    ["kubeProxyVersion"] = "v1.32.0",
                    ["osImage"] = "Debian GNU/Linux 12 (bookworm)",
                    ["kernelVersion"] = "6.1.0-26-amd64",
                    ["containerRuntimeVersion"] = "containerd://1.7.22",
                    ["operatingSystem"] = "linux",
                    ["architecture"] = "amd64",
                },
            },
        }, scope: WriteScope.Internal);

    private static JsonObject NodeCondition(string type, string status, string reason, string now) => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["reason"] = reason,
        ["message"] = type == "Ready" ? "kubelet is posting ready status" : $"kubelet has no {type}",
        ["lastHeartbeatTime"] = now,
        ["lastTransitionTime"] = now,
    };

    private static JsonObject Deployment(string name, string image, int replicas, (string, string)[] labels, int? port, string? configMap = null)
    {
        var selector = labels.Take(1).ToArray();
        var template = Template(labels, name, image, port);
        if (configMap is not null && template.At("spec", "containers") is JsonArray containers && containers[0] is JsonObject c)
        {
            c["envFrom"] = new JsonArray(new JsonObject { ["configMapRef"] = new JsonObject { ["name"] = configMap } });
            c["env"] = new JsonArray(new JsonObject
            {
                ["name"] = "DATABASE_PASSWORD",
                ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = "api-credentials", ["key"] = "DATABASE_PASSWORD" } },
            });
        }
        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = Labels(labels) },
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["selector"] = new JsonObject { ["matchLabels"] = Labels(selector) },
                ["template"] = template,
            },
        };
    }

    private static JsonObject Template((string, string)[] labels, string container, string image, int? port)
    {
        var c = new JsonObject
        {
            ["name"] = container,
            ["image"] = image,
            ["resources"] = new JsonObject
            {
                ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "128Mi" },
                ["limits"] = new JsonObject { ["memory"] = "256Mi" },
            },
        };
        if (port is { } p)
        {
            c["ports"] = new JsonArray(new JsonObject { ["containerPort"] = p, ["protocol"] = "TCP" });
        }
        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = Labels(labels) },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(c) },
        };
    }

    private static JsonObject Service(string name, string app, int port, int targetPort) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = Labels([("app", app)]) },
        ["spec"] = new JsonObject
        {
            ["selector"] = Labels([("app", app)]),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = port, ["targetPort"] = targetPort }),
        },
    };

    private static JsonObject Labels((string Key, string Value)[] labels)
    {
        var o = new JsonObject();
        foreach (var (k, v) in labels)
        {
            o[k] = v;
        }
        return o;
    }
}
