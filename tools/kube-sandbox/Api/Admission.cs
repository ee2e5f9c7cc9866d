using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Api;

/// <summary>Defaulting and validation, the parts of a real API server's strategies that clients notice.</summary>
internal static partial class Admission
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    public static string RandomSuffix(int length = 5) =>
        new(Enumerable.Range(0, length).Select(_ => NameAlphabet[Random.Shared.Next(NameAlphabet.Length)]).ToArray());

    public static void PrepareCreate(ResourceType type, string? urlNamespace, JsonObject obj, bool userWrite)
    {
        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
        var meta = obj.Meta();
        if (type.Namespaced)
        {
            var bodyNs = obj.Namespace();
            if (urlNamespace is not null && bodyNs is not null && bodyNs != urlNamespace)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            meta["namespace"] = urlNamespace ?? bodyNs ?? "default";
        }
        else
        {
            meta.Remove("namespace");
        }
        if (string.IsNullOrEmpty(obj.Name()) && meta.Str("generateName") is { Length: > 0 } prefix)
        {
            meta["name"] = prefix + RandomSuffix();
        }
        var name = obj.Name();
        if (name.Length == 0)
        {
            throw ApiException.Invalid(type, "", "metadata.name", "Required value: name or generateName is required");
        }
        if (name.Length > 253 || !Dns1123Subdomain().IsMatch(name))
        {
            throw ApiException.Invalid(type, name, "metadata.name",
                $"Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
        }
        meta.Remove("resourceVersion");
        meta.Remove("managedFields");
        if (userWrite && type.HasStatus && type != ResourceTypes.Nodes)
        {
            obj.Remove("status");
        }
        ApplyDefaults(type, obj);
        Validate(type, obj);
    }

    /// <summary>Defaults that need the uid (a job's generated selector).</summary>
    public static void AfterIdentity(ResourceType type, JsonObject obj)
    {
        if (type == ResourceTypes.Jobs && obj.At("spec", "selector") is null)
        {
            var uid = obj.Uid();
            var spec = obj.Obj("spec");
            spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uid } };
            var labels = spec.Obj("template").Obj("metadata").Obj("labels");
            labels["batch.kubernetes.io/controller-uid"] = uid;
            labels["batch.kubernetes.io/job-name"] = obj.Name();
        }
    }

    public static void PrepareUpdate(ResourceType type, JsonObject desired, JsonObject current)
    {
        ApplyDefaults(type, desired);
        Validate(type, desired);
        if (type == ResourceTypes.Deployments || type == ResourceTypes.ReplicaSets || type == ResourceTypes.StatefulSets
            || type == ResourceTypes.DaemonSets || type == ResourceTypes.Jobs)
        {
            if (!JsonNode.DeepEquals(desired.At("spec", "selector"), current.At("spec", "selector")))
            {
                throw ApiException.Invalid(type, desired.Name(), "spec.selector",
                    $"Invalid value: {desired.At("spec", "selector")?.ToJsonString() ?? "null"}: field is immutable");
            }
        }
        if (type == ResourceTypes.Services && current.Str("spec", "clusterIP") is { } ip && desired.At("spec") is JsonObject spec)
        {
            spec["clusterIP"] = ip;
            spec["clusterIPs"] = new JsonArray(ip);
        }
    }

    private static void ApplyDefaults(ResourceType type, JsonObject obj)
    {
        var name = obj.Name();
        switch (type.Kind)
        {
            case "Namespace":
                obj.Meta().Obj("labels")["kubernetes.io/metadata.name"] = name;
                obj.Obj("spec")["finalizers"] ??= new JsonArray("kubernetes");
                obj.Obj("status")["phase"] ??= "Active";
                break;
            case "Pod":
                DefaultPodSpec(obj.Obj("spec"));
                var status = obj.Obj("status");
                status["phase"] ??= "Pending";
                status["qosClass"] ??= "BestEffort";
                break;
            case "Deployment":
                {
                    var spec = obj.Obj("spec");
                    spec["replicas"] ??= 1;
                    spec["revisionHistoryLimit"] ??= 10;
                    spec["progressDeadlineSeconds"] ??= 600;
                    var strategy = spec.Obj("strategy");
                    strategy["type"] ??= "RollingUpdate";
                    if (strategy.Str("type") == "RollingUpdate")
                    {
                        var rolling = strategy.Obj("rollingUpdate");
                        rolling["maxSurge"] ??= "25%";
                        rolling["maxUnavailable"] ??= "25%";
                    }
                    DefaultTemplate(spec);
                    break;
                }
            case "ReplicaSet":
                obj.Obj("spec")["replicas"] ??= 1;
                DefaultTemplate(obj.Obj("spec"));
                break;
            case "StatefulSet":
                {
                    var spec = obj.Obj("spec");
                    spec["replicas"] ??= 1;
                    spec["podManagementPolicy"] ??= "OrderedReady";
                    spec["revisionHistoryLimit"] ??= 10;
                    var strategy = spec.Obj("updateStrategy");
                    strategy["type"] ??= "RollingUpdate";
                    if (strategy.Str("type") == "RollingUpdate")
                    {
                        strategy.Obj("rollingUpdate")["partition"] ??= 0;
                    }
                    DefaultTemplate(spec);
                    break;
                }
            case "DaemonSet":
                {
                    var spec = obj.Obj("spec");
                    spec["revisionHistoryLimit"] ??= 10;
                    var strategy = spec.Obj("updateStrategy");
                    strategy["type"] ??= "RollingUpdate";
                    if (strategy.Str("type") == "RollingUpdate")
                    {
                        var rolling = strategy.Obj("rollingUpdate");
                        rolling["maxUnavailable"] ??= 1;
                        rolling["maxSurge"] ??= 0;
                    }
                    DefaultTemplate(spec);
                    break;
                }
            case "Job":
                {
                    var spec = obj.Obj("spec");
                    spec["completions"] ??= 1;
                    spec["parallelism"] ??= 1;
                    spec["backoffLimit"] ??= 6;
                    DefaultTemplate(spec);
                    break;
                }
            case "Service":
                {
                    var spec = obj.Obj("spec");
                    spec["type"] ??= "ClusterIP";
                    spec["sessionAffinity"] ??= "None";
                    if (spec.Str("clusterIP") is null)
                    {
                        var ip = $"10.96.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}";
                        spec["clusterIP"] = ip;
                        spec["clusterIPs"] = new JsonArray(ip);
                    }
                    foreach (var port in spec.Objects("ports"))
                    {
                        port["protocol"] ??= "TCP";
                        port["targetPort"] ??= port["port"].CloneNode();
                    }
                    break;
                }
            case "Secret":
                obj["type"] ??= "Opaque";
                break;
        }
    }

    private static void DefaultTemplate(JsonObject spec) => DefaultPodSpec(spec.Obj("template").Obj("spec"));

    private static void DefaultPodSpec(JsonObject podSpec)
    {
        podSpec["restartPolicy"] ??= "Always";
        podSpec["terminationGracePeriodSeconds"] ??= 30;
        podSpec["dnsPolicy"] ??= "ClusterFirst";
        podSpec["schedulerName"] ??= "default-scheduler";
        podSpec["securityContext"] ??= new JsonObject();
        foreach (var c in podSpec.Objects("initContainers").Concat(podSpec.Objects("containers")))
        {
            var image = c.Str("image") ?? "";
            var lastSegment = image[(image.LastIndexOf('/') + 1)..];
            c["imagePullPolicy"] ??= lastSegment.Contains(':') && !lastSegment.EndsWith(":latest", StringComparison.Ordinal) ? "IfNotPresent" : "Always";
            c["terminationMessagePath"] ??= "/dev/termination-log";
            c["terminationMessagePolicy"] ??= "File";
            c["resources"] ??= new JsonObject();
            foreach (var port in c.Objects("ports"))
            {
                port["protocol"] ??= "TCP";
            }
        }
    }

    private static void Validate(ResourceType type, JsonObject obj)
    {
        var name = obj.Name();
        var causes = new List<(string, string)>();
        switch (type.Kind)
        {
            case "Pod":
                ValidatePodSpec(obj.At("spec"), "spec", causes);
                break;
            case "Deployment" or "ReplicaSet" or "StatefulSet" or "DaemonSet":
                {
                    if (obj.Long("spec", "replicas") is < 0 and var replicas)
                    {
                        causes.Add(("spec.replicas", $"Invalid value: {replicas}: must be greater than or equal to 0"));
                    }
                    var selector = obj.At("spec", "selector");
                    if (selector is not JsonObject selectorObject || selectorObject.Count == 0)
                    {
                        causes.Add(("spec.selector", "Required value"));
                    }
                    else
                    {
                        var labels = obj.Labels("spec", "template", "metadata", "labels");
                        if (!LabelSelector.FromObject(selectorObject).Matches(labels))
                        {
                            causes.Add(("spec.template.metadata.labels",
                                $"Invalid value: {obj.At("spec", "template", "metadata", "labels")?.ToJsonString() ?? "null"}: `selector` does not match template `labels`"));
                        }
                    }
                    ValidatePodSpec(obj.At("spec", "template", "spec"), "spec.template.spec", causes);
                    break;
                }
        }
        if (causes.Count > 0)
        {
            throw ApiException.Invalid(type, name, causes);
        }
    }

    private static void ValidatePodSpec(JsonNode? spec, string path, List<(string, string)> causes)
    {
        var containers = spec.Objects("containers").ToList();
        if (containers.Count == 0)
        {
            causes.Add(($"{path}.containers", "Required value"));
        }
        for (var i = 0; i < containers.Count; i++)
        {
            if (string.IsNullOrEmpty(containers[i].Str("name")))
            {
                causes.Add(($"{path}.containers[{i}].name", "Required value"));
            }
            if (string.IsNullOrEmpty(containers[i].Str("image")))
            {
                causes.Add(($"{path}.containers[{i}].image", "Required value"));
            }
        }
    }
}
