using System.Text;
using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Api;

/// <summary>
/// Decodes the protobuf bodies <c>kubectl create &lt;generator&gt;</c> sends (the <c>k8s\0</c> envelope around
/// typeMeta and the raw object) for the kinds those generators build, into the JSON the store keeps.
/// Only the fields the generators set are known; other fields are skipped.
/// </summary>
internal static class Protobuf
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private enum Kind
    {
        String,
        Int,
        Bool,
        Bytes,
        Message,
        StringMap,
        BytesMap,
        QuantityMap,
        IntOrString,
    }

    private sealed record Field(string Name, Kind Kind, string? Message = null, bool Repeated = false, bool KeepZero = false);

    private static Field S(string name) => new(name, Kind.String);

    private static Field Strings(string name) => new(name, Kind.String, Repeated: true);

    private static Field I(string name, bool keepZero = false) => new(name, Kind.Int, KeepZero: keepZero);

    private static Field B(string name) => new(name, Kind.Bool);

    private static Field M(string name, string message) => new(name, Kind.Message, message);

    private static Field Ms(string name, string message) => new(name, Kind.Message, message, Repeated: true);

    private static readonly Dictionary<string, Dictionary<int, Field>> Schemas = new()
    {
        ["ObjectMeta"] = new() { [1] = S("name"), [2] = S("generateName"), [3] = S("namespace"), [11] = new("labels", Kind.StringMap), [12] = new("annotations", Kind.StringMap), [14] = Strings("finalizers") },
        ["LabelSelector"] = new() { [1] = new("matchLabels", Kind.StringMap), [2] = Ms("matchExpressions", "LabelSelectorRequirement") },
        ["LabelSelectorRequirement"] = new() { [1] = S("key"), [2] = S("operator"), [3] = Strings("values") },
        ["PodTemplateSpec"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "PodSpec") },
        ["PodSpec"] = new()
        {
            [2] = Ms("containers", "Container"), [3] = S("restartPolicy"), [4] = I("terminationGracePeriodSeconds", keepZero: true), [6] = S("dnsPolicy"),
            [7] = new("nodeSelector", Kind.StringMap), [8] = S("serviceAccountName"), [10] = S("nodeName"), [11] = B("hostNetwork"),
            [16] = S("hostname"), [19] = S("schedulerName"), [20] = Ms("initContainers", "Container"), [24] = S("priorityClassName"),
        },
        ["Container"] = new()
        {
            [1] = S("name"), [2] = S("image"), [3] = Strings("command"), [4] = Strings("args"), [5] = S("workingDir"), [6] = Ms("ports", "ContainerPort"),
            [7] = Ms("env", "EnvVar"), [8] = M("resources", "ResourceRequirements"), [13] = S("terminationMessagePath"), [14] = S("imagePullPolicy"),
            [20] = S("terminationMessagePolicy"),
        },
        ["ContainerPort"] = new() { [1] = S("name"), [2] = I("hostPort"), [3] = I("containerPort", keepZero: true), [4] = S("protocol"), [5] = S("hostIP") },
        ["EnvVar"] = new() { [1] = S("name"), [2] = S("value") },
        ["ResourceRequirements"] = new() { [1] = new("limits", Kind.QuantityMap), [2] = new("requests", Kind.QuantityMap) },
        ["Deployment"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "DeploymentSpec") },
        ["DeploymentSpec"] = new()
        {
            [1] = I("replicas", keepZero: true), [2] = M("selector", "LabelSelector"), [3] = M("template", "PodTemplateSpec"), [4] = M("strategy", "DeploymentStrategy"),
            [5] = I("minReadySeconds"), [6] = I("revisionHistoryLimit", keepZero: true), [7] = B("paused"), [9] = I("progressDeadlineSeconds"),
        },
        ["DeploymentStrategy"] = new() { [1] = S("type"), [2] = M("rollingUpdate", "RollingUpdateDeployment") },
        ["RollingUpdateDeployment"] = new() { [1] = new("maxUnavailable", Kind.IntOrString), [2] = new("maxSurge", Kind.IntOrString) },
        ["Namespace"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "NamespaceSpec") },
        ["NamespaceSpec"] = new() { [1] = Strings("finalizers") },
        ["ConfigMap"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = new("data", Kind.StringMap), [3] = new("binaryData", Kind.BytesMap), [4] = B("immutable") },
        ["Secret"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = new("data", Kind.BytesMap), [3] = S("type"), [4] = new("stringData", Kind.StringMap), [5] = B("immutable") },
        ["Service"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "ServiceSpec") },
        ["ServiceSpec"] = new() { [1] = Ms("ports", "ServicePort"), [2] = new("selector", Kind.StringMap), [3] = S("clusterIP"), [4] = S("type"), [5] = Strings("externalIPs") },
        ["ServicePort"] = new() { [1] = S("name"), [2] = S("protocol"), [3] = I("port", keepZero: true), [4] = new("targetPort", Kind.IntOrString), [5] = I("nodePort") },
        ["Job"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "JobSpec") },
        ["JobSpec"] = new()
        {
            [1] = I("parallelism", keepZero: true), [2] = I("completions", keepZero: true), [3] = I("activeDeadlineSeconds"), [4] = M("selector", "LabelSelector"),
            [6] = M("template", "PodTemplateSpec"), [7] = I("backoffLimit", keepZero: true),
        },
    };

    public static JsonObject Decode(byte[] body)
    {
        if (body.Length < 4 || body[0] != 'k' || body[1] != '8' || body[2] != 's' || body[3] != 0)
        {
            throw ApiException.BadRequest("protobuf body without the k8s envelope");
        }
        string? apiVersion = null, kind = null;
        byte[]? raw = null;
        var reader = new Reader(body, 4, body.Length);
        while (reader.More)
        {
            var (field, wire) = reader.Key();
            if (field == 1 && wire == 2)
            {
                var typeMeta = reader.Sub();
                while (typeMeta.More)
                {
                    var (f, w) = typeMeta.Key();
                    if (w != 2)
                    {
                        typeMeta.Skip(w);
                        continue;
                    }
                    var text = typeMeta.String();
                    (apiVersion, kind) = f == 1 ? (text, kind) : f == 2 ? (apiVersion, text) : (apiVersion, kind);
                }
            }
            else if (field == 2 && wire == 2)
            {
                raw = reader.Bytes();
            }
            else
            {
                reader.Skip(wire);
            }
        }
        if (kind is null || raw is null || !Schemas.ContainsKey(kind) || !Schemas[kind].ContainsKey(1))
        {
            throw ApiException.UnsupportedMediaType($"{MediaType} (kind {kind ?? "unknown"}: the sandbox decodes protobuf only for Namespace, ConfigMap, Secret, Service, Deployment and Job; send JSON)");
        }
        var obj = Message(new Reader(raw, 0, raw.Length), kind);
        obj["apiVersion"] = apiVersion;
        obj["kind"] = kind;
        return obj;
    }

    private static JsonObject Message(Reader reader, string message)
    {
        var schema = Schemas[message];
        var result = new JsonObject();
        while (reader.More)
        {
            var (number, wire) = reader.Key();
            if (!schema.TryGetValue(number, out var field))
            {
                reader.Skip(wire);
                continue;
            }
            JsonNode? value = field.Kind switch
            {
                Kind.String => reader.String() is { Length: > 0 } s ? s : null,
                Kind.Int => reader.Varint() is var i && (i != 0 || field.KeepZero) ? i : null,
                Kind.Bool => reader.Varint() != 0 ? true : null,
                Kind.Bytes => Convert.ToBase64String(reader.Bytes()),
                Kind.Message => Message(reader.Sub(), field.Message!) is var m && (m.Count > 0 || field.Repeated) ? m : null,
                Kind.IntOrString => IntOrString(reader.Sub()),
                _ => null,
            };
            if (field.Kind is Kind.StringMap or Kind.BytesMap or Kind.QuantityMap)
            {
                var (key, entry) = MapEntry(reader.Sub(), field.Kind);
                result.Obj(field.Name)[key] = entry;
                continue;
            }
            if (value is null)
            {
                continue;
            }
            if (field.Repeated)
            {
                result.Arr(field.Name).Add(value);
            }
            else
            {
                result[field.Name] = value;
            }
        }
        return result;
    }

    private static (string Key, JsonNode? Value) MapEntry(Reader entry, Kind kind)
    {
        var key = "";
        JsonNode? value = kind == Kind.BytesMap ? "" : null;
        while (entry.More)
        {
            var (number, wire) = entry.Key();
            if (number == 1 && wire == 2)
            {
                key = entry.String();
            }
            else if (number == 2 && wire == 2)
            {
                value = kind switch
                {
                    Kind.BytesMap => Convert.ToBase64String(entry.Bytes()),
                    Kind.QuantityMap => Quantity(entry.Sub()),
                    _ => entry.String(),
                };
            }
            else
            {
                entry.Skip(wire);
            }
        }
        return (key, value ?? "");
    }

    private static string Quantity(Reader reader)
    {
        var text = "";
        while (reader.More)
        {
            var (number, wire) = reader.Key();
            if (number == 1 && wire == 2)
            {
                text = reader.String();
            }
            else
            {
                reader.Skip(wire);
            }
        }
        return text;
    }

    private static JsonNode? IntOrString(Reader reader)
    {
        long type = 0, intValue = 0;
        var text = "";
        while (reader.More)
        {
            var (number, wire) = reader.Key();
            switch (number)
            {
                case 1 when wire == 0:
                    type = reader.Varint();
                    break;
                case 2 when wire == 0:
                    intValue = reader.Varint();
                    break;
                case 3 when wire == 2:
                    text = reader.String();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        return type == 1 ? text : intValue;
    }

    private sealed class Reader(byte[] data, int position, int end)
    {
        public bool More => position < end;

        public (int Field, int Wire) Key()
        {
            var key = Varint();
            return ((int)(key >> 3), (int)(key & 7));
        }

        public long Varint()
        {
            long result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (position >= end)
                {
                    throw ApiException.BadRequest("truncated protobuf body");
                }
                var b = data[position++];
                result |= (long)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }
            throw ApiException.BadRequest("malformed protobuf varint");
        }

        public byte[] Bytes()
        {
            var length = (int)Varint();
            if (length < 0 || position + length > end)
            {
                throw ApiException.BadRequest("truncated protobuf body");
            }
            var bytes = data.AsSpan(position, length).ToArray();
            position += length;
            return bytes;
        }

        public string String() => Encoding.UTF8.GetString(Bytes());

        public Reader Sub()
        {
            var bytes = Bytes();
            return new Reader(bytes, 0, bytes.Length);
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0:
                    Varint();
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    Bytes();
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw ApiException.BadRequest($"unsupported protobuf wire type {wire}");
            }
        }
    }
}
