using Microsoft.AspNetCore.Http;

namespace K8sAgentPlatform.WebApi;

/// <summary>RFC 9457 problem details with a title that names the problem and a detail that says what to do.</summary>
public static class Problems
{
    public static IResult Of(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: status, title: title, extensions: extensions);

    public static IResult BadRequest(string detail, IReadOnlyList<FieldError>? errors = null) =>
        Of(StatusCodes.Status400BadRequest, "The request is invalid", detail,
            errors is null ? null : new Dictionary<string, object?> { ["errors"] = errors });

    public static IResult NotFound(string what) =>
        Of(StatusCodes.Status404NotFound, "Not found", $"{what} does not exist.");

    public static IResult Conflict(string detail) =>
        Of(StatusCodes.Status409Conflict, "The request is not in a state that accepts this", detail);
}

/// <summary>One problem with the input, with the JSON path of the offending field.</summary>
public sealed record FieldError(string Path, string Message);
