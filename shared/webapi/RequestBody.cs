using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.WebApi;

/// <summary>
/// Bodies are read by hand rather than bound, so that authentication runs before any parsing and a bad
/// body gets a problem that lists what is wrong.
/// </summary>
public static class RequestBody
{
    private const string CacheKey = "k8s-agent.body";

    /// <summary>The body's bytes, or null when it is larger than <see cref="BodyLimitOptions.MaxBodyBytes"/> (answer with <see cref="TooLarge"/>).</summary>
    public static async Task<byte[]?> ReadBytesAsync(HttpContext http)
    {
        if (http.Items.TryGetValue(CacheKey, out var cached) && cached is byte[] bytes)
        {
            return bytes;
        }

        var limit = http.RequestServices.GetRequiredService<IOptions<BodyLimitOptions>>().Value.MaxBodyBytes;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                return null;
            }
        }

        bytes = buffer.ToArray();
        http.Items[CacheKey] = bytes;
        return bytes;
    }

    /// <summary>The body as a JSON object, or a problem saying why it is not one. An empty body is an empty object.</summary>
    public static async Task<(JsonElement Body, IResult? Problem)> ReadObjectAsync(HttpContext http)
    {
        var bytes = await ReadBytesAsync(http);
        if (bytes is null)
        {
            return (default, TooLarge(http));
        }

        if (bytes.Length == 0)
        {
            return (JsonDocument.Parse("{}").RootElement, null);
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (default, Problems.BadRequest("The body must be a JSON object."));
            }

            return (document.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            return (default, Problems.BadRequest($"The body is not valid JSON: {e.Message}"));
        }
    }

    /// <summary>An optional string field, trimmed; null when absent or null; an error when not a string or longer than <paramref name="maxLength"/>.</summary>
    public static string? OptionalString(JsonElement body, string name, int maxLength, List<FieldError> errors)
    {
        if (!body.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var value = element.ValueKind == JsonValueKind.String ? element.GetString()!.Trim() : null;
        if (value is null || value.Length > maxLength)
        {
            errors.Add(new FieldError(name, $"must be a string of at most {maxLength} characters"));
            return null;
        }

        return value.Length == 0 ? null : value;
    }

    /// <summary>A body whose only field is an optional "reason" (reject, emergency stop): the reason, or the problem to answer.</summary>
    public static async Task<(string? Reason, IResult? Problem)> ReadReasonAsync(HttpContext http, int maxLength)
    {
        var (body, problem) = await ReadObjectAsync(http);
        if (problem is not null)
        {
            return (null, problem);
        }

        var errors = Unknown(body, "reason");
        var reason = OptionalString(body, "reason", maxLength, errors);
        return errors.Count > 0 ? (null, Problems.BadRequest($"{errors[0].Path}: {errors[0].Message}.", errors)) : (reason, null);
    }

    public static IResult TooLarge(HttpContext http) =>
        Problems.Of(StatusCodes.Status413PayloadTooLarge, "The body is too large",
            $"Bodies are limited to {http.RequestServices.GetRequiredService<IOptions<BodyLimitOptions>>().Value.MaxBodyBytes} bytes.");

    /// <summary>Names of properties the endpoint does not know, as errors (a typo should not be silently ignored).</summary>
    public static List<FieldError> Unknown(JsonElement body, params string[] known) =>
        body.EnumerateObject().Where(p => !known.Contains(p.Name, StringComparer.Ordinal))
            .Select(p => new FieldError(p.Name, $"unknown property (expected one of: {string.Join(", ", known)})")).ToList();
}
