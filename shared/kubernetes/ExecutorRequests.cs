using System.Text.Json.Nodes;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>
/// The patch bodies of the requests that carry out an operation, the same as kubectl sends them. The
/// dry run sends exactly these; the executor should build its requests from here too, so the request
/// that was validated is the request that runs.
/// </summary>
public static class ExecutorRequests
{
    public const string RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";

    /// <summary>The field manager of server-side apply (apply_manifest).</summary>
    public const string FieldManager = "k8s-agent";

    /// <summary>Merge patch on the scale subresource.</summary>
    public static string ScalePatch(int replicas) =>
        new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas } }.ToJsonString();

    /// <summary>Strategic merge patch: containers merge by name, so only this container's image changes.</summary>
    public static string ImagePatch(string container, string reference) =>
        new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["spec"] = new JsonObject
                    {
                        ["containers"] = new JsonArray(new JsonObject { ["name"] = container, ["image"] = reference }),
                    },
                },
            },
        }.ToJsonString();

    /// <summary>The value of the restartedAt annotation a restart at <paramref name="at"/> writes.</summary>
    public static string RestartedAt(DateTimeOffset at) => at.ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Strategic merge patch of the pod template annotation that makes a rollout restart.</summary>
    public static string RestartPatch(DateTimeOffset at) =>
        new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["annotations"] = new JsonObject { [RestartedAtAnnotation] = RestartedAt(at) },
                    },
                },
            },
        }.ToJsonString();

    /// <summary>Merge patch of one key; a Secret takes it in stringData so the server encodes it.</summary>
    public static string ConfigPatch(ResourceType type, string key, string value) =>
        new JsonObject { [type == ResourceType.Secret ? "stringData" : "data"] = new JsonObject { [key] = value } }.ToJsonString();

    /// <summary>Strategic merge patch of a node; null removes the field (uncordon).</summary>
    public static string CordonPatch(bool unschedulable) =>
        new JsonObject { ["spec"] = new JsonObject { ["unschedulable"] = unschedulable ? true : null } }.ToJsonString();

    /// <summary>
    /// The same patch with metadata.resourceVersion added: the server then refuses it with 409 when the object
    /// changed since it was read, so a change never lands on a state nobody looked at.
    /// </summary>
    public static string WithResourceVersion(string patch, string resourceVersion)
    {
        var body = JsonNode.Parse(patch)?.AsObject() ?? throw new ArgumentException("a patch must be a JSON object", nameof(patch));
        if (body["metadata"] is not JsonObject metadata)
        {
            metadata = new JsonObject();
            body["metadata"] = metadata;
        }

        metadata["resourceVersion"] = resourceVersion;
        return body.ToJsonString();
    }
}
