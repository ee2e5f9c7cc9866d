using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using K8sAgentPlatform.WebApi;
using K8sAgentPlatform.WebApi.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Orchestrator.Api;

/// <summary>A response as sent, kept so a retry with the same Idempotency-Key gets it again.</summary>
internal sealed record StoredResponse(int Status, string? ContentType, string? Location, byte[] Body) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = Status;
        if (ContentType is not null)
        {
            httpContext.Response.ContentType = ContentType;
        }

        if (Location is not null)
        {
            httpContext.Response.Headers.Location = Location;
        }

        await httpContext.Response.Body.WriteAsync(Body, httpContext.RequestAborted);
    }
}

/// <summary>
/// First responses by (principal, Idempotency-Key), in memory, bounded in count and age. A concurrent retry
/// waits for the first call instead of running again; a key reused for a different call is refused.
/// </summary>
public sealed class IdempotencyCache(IOptions<ApiOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    internal int Count => entries.Count;

    /// <summary>The first caller gets null and must <see cref="Complete"/>; later ones get the first call's entry.</summary>
    internal Entry? Claim(string key, string fingerprint, out Entry mine)
    {
        var now = time.GetUtcNow();
        mine = new Entry(fingerprint, now);
        while (true)
        {
            var existing = entries.GetOrAdd(key, mine);
            if (ReferenceEquals(existing, mine))
            {
                Trim(now);
                return null;
            }

            if (now - existing.CreatedAt <= options.Value.IdempotencyWindow)
            {
                return existing;
            }

            entries.TryRemove(new KeyValuePair<string, Entry>(key, existing));
        }
    }

    internal void Complete(string key, Entry entry, StoredResponse? response)
    {
        // Server errors are not remembered: the retry the key exists for should get another chance.
        if (response is null || response.Status >= 500)
        {
            entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        }

        entry.Response.TrySetResult(response);
    }

    private void Trim(DateTimeOffset now)
    {
        if (entries.Count <= options.Value.IdempotencyCapacity)
        {
            return;
        }

        foreach (var old in entries.Where(e => now - e.Value.CreatedAt > options.Value.IdempotencyWindow).ToList())
        {
            entries.TryRemove(old);
        }

        var excess = entries.Count - options.Value.IdempotencyCapacity;
        foreach (var oldest in entries.OrderBy(e => e.Value.CreatedAt).Take(Math.Max(0, excess)).ToList())
        {
            entries.TryRemove(oldest);
        }
    }

    internal sealed class Entry(string fingerprint, DateTimeOffset createdAt)
    {
        public string Fingerprint { get; } = fingerprint;
        public DateTimeOffset CreatedAt { get; } = createdAt;
        public TaskCompletionSource<StoredResponse?> Response { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>Replays the first response for a repeated Idempotency-Key; runs after the role filter, so the principal is known.</summary>
internal sealed class IdempotencyFilter : IEndpointFilter
{
    public const string Header = "Idempotency-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.Headers[Header].ToString();
        if (key.Length == 0)
        {
            return await next(context);
        }

        if (key.Length > 255)
        {
            return Problems.BadRequest($"{Header} must be at most 255 characters.");
        }

        var cache = http.RequestServices.GetRequiredService<IdempotencyCache>();
        var principal = ApiPrincipal.From(http);
        if (await RequestBody.ReadBytesAsync(http) is not { } body)
        {
            return RequestBody.TooLarge(http);
        }

        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{http.Request.Method} {http.Request.Path}\n").Concat(body).ToArray()));
        var cacheKey = $"{principal.Name}\n{key}";

        while (true)
        {
            var first = cache.Claim(cacheKey, fingerprint, out var mine);
            if (first is not null)
            {
                if (first.Fingerprint != fingerprint)
                {
                    return Problems.Of(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused",
                        $"The {Header} '{key}' was already used for a different call; use a new key for a new call.");
                }

                if (await first.Response.Task is { } replay)
                {
                    http.Response.Headers["Idempotent-Replayed"] = "true";
                    return replay;
                }

                continue; // the first call failed; this one takes its place
            }

            StoredResponse? stored = null;
            try
            {
                var result = await next(context);
                stored = await RenderAsync(http, result);
                return stored;
            }
            finally
            {
                cache.Complete(cacheKey, mine, stored);
            }
        }
    }

    private static async Task<StoredResponse> RenderAsync(HttpContext http, object? result)
    {
        if (result is not IResult executable)
        {
            executable = TypedResults.Ok(result);
        }

        var scratch = new DefaultHttpContext { RequestServices = http.RequestServices };
        using var buffer = new MemoryStream();
        scratch.Response.Body = buffer;
        await executable.ExecuteAsync(scratch);
        var location = scratch.Response.Headers.Location.ToString();
        return new StoredResponse(scratch.Response.StatusCode, scratch.Response.ContentType, location.Length == 0 ? null : location, buffer.ToArray());
    }
}
