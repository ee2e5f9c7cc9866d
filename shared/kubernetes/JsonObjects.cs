using System.Text.Json.Nodes;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>Small accessors for Kubernetes objects in JSON form.</summary>
public static class JsonObjects
{
    public static string? Name(this JsonObject obj) => obj["metadata"]?["name"]?.GetValue<string>();

    public static string? Namespace(this JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();

    public static string? ResourceVersion(this JsonObject obj) => obj["metadata"]?["resourceVersion"]?.GetValue<string>();

    public static JsonObject Metadata(this JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject metadata)
        {
            metadata = new JsonObject();
            obj["metadata"] = metadata;
        }

        return metadata;
    }

    public static JsonObject Clone(this JsonObject obj) => obj.DeepClone().AsObject();
}
