using System.Text.Json.Nodes;

namespace K8sAgentPlatform.KubeSandbox.Api;

/// <summary>An API failure answered as a Kubernetes <c>Status</c> body.</summary>
public sealed class ApiException(int code, string reason, string message, JsonObject? details = null, int? retryAfterSeconds = null)
    : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public JsonObject? Details { get; } = details;

    public int? RetryAfterSeconds { get; } = retryAfterSeconds;

    public JsonObject ToStatus() => Status.Failure(Code, Reason, Message, Details?.DeepClone().AsObject());

    public static ApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.QualifiedPlural} \"{name}\" not found", Status.Details(type, name));

    public static ApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.QualifiedPlural} \"{name}\" already exists", Status.Details(type, name));

    public static ApiException Conflict(ResourceType type, string name) =>
        new(409, "Conflict",
            $"Operation cannot be fulfilled on {type.QualifiedPlural} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            Status.Details(type, name));

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException Invalid(ResourceType type, string name, IReadOnlyList<(string Field, string Message)> causes)
    {
        var details = Status.Details(type, name);
        details["kind"] = type.Kind;
        var list = new JsonArray();
        foreach (var (field, message) in causes)
        {
            list.Add(new JsonObject { ["reason"] = "FieldValueInvalid", ["message"] = message, ["field"] = field });
        }
        details["causes"] = list;
        var text = string.Join(", ", causes.Select(c => $"{c.Field}: {c.Message}"));
        var summary = causes.Count == 1 ? text : $"[{text}]";
        return new ApiException(422, "Invalid", $"{type.QualifiedKind} \"{name}\" is invalid: {summary}", details);
    }

    public static ApiException Invalid(ResourceType type, string name, string field, string message) =>
        Invalid(type, name, [(field, message)]);

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/merge-patch+json, application/strategic-merge-patch+json, application/json-patch+json (got {contentType})");

    public static ApiException TooManyRequests(string message, int retryAfterSeconds, JsonObject? details = null)
    {
        details ??= new JsonObject();
        details["retryAfterSeconds"] = retryAfterSeconds;
        return new(429, "TooManyRequests", message, details, retryAfterSeconds);
    }

    public static ApiException Internal(string message) =>
        new(500, "InternalError", $"Internal error occurred: {message}",
            new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = message }) });
}

public static class Status
{
    public static JsonObject Failure(int code, string reason, string message, JsonObject? details) =>
        new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["details"] = details,
            ["code"] = code,
        }.WithoutNulls();

    public static JsonObject Success(int code, JsonObject? details = null) =>
        new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
            ["code"] = code,
        }.WithoutNulls();

    public static JsonObject Details(ResourceType type, string name)
    {
        var details = new JsonObject { ["name"] = name };
        if (type.Group.Length > 0)
        {
            details["group"] = type.Group;
        }
        details["kind"] = type.Plural;
        return details;
    }

    private static JsonObject WithoutNulls(this JsonObject o)
    {
        foreach (var key in o.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            o.Remove(key);
        }
        return o;
    }
}
