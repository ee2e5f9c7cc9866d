using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace K8sAgentPlatform.Cli.Client;

/// <summary>
/// Typed calls to the platform's HTTP API. Problem responses become <see cref="ApiException"/> with the
/// server's title, detail and field errors; a platform that cannot be reached, <see cref="PlatformUnreachableException"/>.
/// </summary>
public sealed class ApiClient : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private readonly HttpClient http;
    private readonly bool ownsHttp;

    /// <summary>Uses <paramref name="http"/> as configured (BaseAddress and Authorization set by the caller).</summary>
    public ApiClient(HttpClient http, bool ownsHttp = false)
    {
        this.http = http;
        this.ownsHttp = ownsHttp;
    }

    public static ApiClient Create(ClientSettings settings, string? token = null)
    {
        var http = new HttpClient { BaseAddress = settings.Url, Timeout = TimeSpan.FromSeconds(30) };
        if ((token ?? settings.Token) is { Length: > 0 } bearer)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("k8s-agent", "1.0"));
        return new ApiClient(http, ownsHttp: true);
    }

    public Uri? BaseAddress => http.BaseAddress;

    public Task<Accepted> SubmitAsync(string text, bool dryRun = false, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<Accepted>(HttpMethod.Post, "/api/requests", new { text, dry_run = dryRun }, idempotencyKey, cancellationToken);

    /// <summary>Submits an intent in its JSON form (see `k8s-agent schema`).</summary>
    public Task<Accepted> SubmitIntentAsync(JsonElement intent, bool dryRun = false, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<Accepted>(HttpMethod.Post, "/api/requests", new { intent, dry_run = dryRun }, idempotencyKey, cancellationToken);

    /// <summary>
    /// The request; with <paramref name="untilChanged"/> (whole seconds, below the client's 30 s timeout) the API answers
    /// once the request is final or past <paramref name="seenVersion"/> (the version of the last answer), or when that
    /// time has passed (GET ?wait&amp;version), instead of at once.
    /// </summary>
    public async Task<RequestDetails> GetRequestAsync(Guid id, CancellationToken cancellationToken = default, TimeSpan? untilChanged = null, int? seenVersion = null)
    {
        var path = $"/api/requests/{id}" + QueryString(("wait", Number((int?)untilChanged?.TotalSeconds)), ("version", untilChanged is null ? null : Number(seenVersion)));
        var raw = await SendAsync<JsonElement>(HttpMethod.Get, path, null, null, cancellationToken);
        return raw.Deserialize<RequestDetails>(Json)! with { Raw = raw };
    }

    public Task<IReadOnlyList<RequestSummary>> ListRequestsAsync(string? state = null, int? limit = null, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<RequestSummary>>(HttpMethod.Get, "/api/requests" + QueryString(("state", state), ("limit", Number(limit))), null, null, cancellationToken);

    /// <summary>Confirms; with <paramref name="round"/> only that confirmation round (409 when the request has moved on to another).</summary>
    public Task<Accepted> ConfirmAsync(Guid id, string? idempotencyKey = null, CancellationToken cancellationToken = default, int? round = null) =>
        SendAsync<Accepted>(HttpMethod.Post, $"/api/requests/{id}/confirm", round is null ? null : new { round }, idempotencyKey, cancellationToken);

    public Task<Accepted> RejectAsync(Guid id, string? reason = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<Accepted>(HttpMethod.Post, $"/api/requests/{id}/reject", new { reason }, idempotencyKey, cancellationToken);

    /// <summary>Stops the platform (admin): no operation starts until <see cref="ResumeAsync"/>.</summary>
    public Task<PlatformStatus> EmergencyStopAsync(string? reason, CancellationToken cancellationToken = default) =>
        SendAsync<PlatformStatus>(HttpMethod.Post, "/api/emergency-stop", new { reason }, null, cancellationToken);

    public Task<PlatformStatus> ResumeAsync(CancellationToken cancellationToken = default) =>
        SendAsync<PlatformStatus>(HttpMethod.Post, "/api/emergency-stop/resume", null, null, cancellationToken);

    public Task<PlatformStatus> StatusAsync(CancellationToken cancellationToken = default) =>
        SendAsync<PlatformStatus>(HttpMethod.Get, "/api/status", null, null, cancellationToken);

    public Task<Accepted> CancelAsync(Guid id, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<Accepted>(HttpMethod.Post, $"/api/requests/{id}/cancel", null, idempotencyKey, cancellationToken);

    public Task<RollbackAccepted> RollbackSnapshotAsync(string snapshotId, string? reason = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<RollbackAccepted>(HttpMethod.Post, "/api/rollbacks", new { snapshot_id = snapshotId, reason }, idempotencyKey, cancellationToken);

    /// <summary>Restores the latest snapshot not yet restored of a resource (resource_type as in the intent, e.g. deployment).</summary>
    public Task<RollbackAccepted> RollbackResourceAsync(string resourceType, string? @namespace, string name, string? reason = null, string? idempotencyKey = null,
        CancellationToken cancellationToken = default) =>
        SendAsync<RollbackAccepted>(HttpMethod.Post, "/api/rollbacks",
            new { resource = new { resource_type = resourceType, @namespace, name }, reason }, idempotencyKey, cancellationToken);

    public Task<IReadOnlyList<SnapshotInfo>> ListSnapshotsAsync(SnapshotFilter? filter = null, CancellationToken cancellationToken = default)
    {
        filter ??= new SnapshotFilter();
        return SendAsync<IReadOnlyList<SnapshotInfo>>(HttpMethod.Get, "/api/snapshots" + QueryString(
            ("namespace", filter.Namespace), ("resource_type", filter.ResourceType), ("name", filter.Name),
            ("request_id", filter.RequestId?.ToString()), ("consumed", filter.Consumed is { } c ? (c ? "true" : "false") : null),
            ("limit", Number(filter.Limit))), null, null, cancellationToken);
    }

    public Task<IReadOnlyList<AuditItem>> ReadAuditAsync(Guid? requestId = null, string? principal = null, long? after = null, int? limit = null,
        CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<AuditItem>>(HttpMethod.Get, "/api/audit" + QueryString(
            ("request_id", requestId?.ToString()), ("principal", principal), ("after", after?.ToString(CultureInfo.InvariantCulture)), ("limit", Number(limit))),
            null, null, cancellationToken);

    public Task<AuditVerificationInfo> VerifyAuditAsync(CancellationToken cancellationToken = default) =>
        SendAsync<AuditVerificationInfo>(HttpMethod.Get, "/api/audit/verify", null, null, cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            message.Content = JsonContent.Create(body, options: Json);
        }

        if (idempotencyKey is not null)
        {
            message.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(message, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new PlatformUnreachableException(http.BaseAddress, e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PlatformUnreachableException(http.BaseAddress, e);
        }

        using (response)
        {
            var content = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw ApiException.From(response.StatusCode, method, path, content);
            }

            try
            {
                return JsonSerializer.Deserialize<T>(content, Json)!;
            }
            catch (JsonException e)
            {
                throw new ApiException((int)response.StatusCode, "Unexpected answer", $"{method} {path} answered something that is not the API's JSON: {e.Message}", []);
            }
        }
    }

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string QueryString(params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).ToList();
        return present.Count == 0 ? "" : "?" + string.Join('&', present.Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}"));
    }

    public void Dispose()
    {
        if (ownsHttp)
        {
            http.Dispose();
        }
    }
}

/// <summary>The API refused a call; the message is the server's problem title and detail, with any field errors.</summary>
public sealed class ApiException(int status, string title, string? detail, IReadOnlyList<string> errors)
    : Exception(Format(status, title, detail, errors))
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
    public IReadOnlyList<string> Errors { get; } = errors;

    internal static ApiException From(HttpStatusCode status, HttpMethod method, string path, string content)
    {
        string? title = null, detail = null;
        var errors = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(content);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
                detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
                if (root.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    errors.AddRange(list.EnumerateArray().Select(e =>
                        e.TryGetProperty("path", out var p) && p.GetString() is { Length: > 0 } at ? $"{at}: {e.GetProperty("message").GetString()}" : e.GetProperty("message").GetString() ?? ""));
                }
            }
        }
        catch (JsonException)
        {
            // Not problem+json (a proxy, or another server on that port): fall back to the status line below.
        }

        title ??= status switch
        {
            HttpStatusCode.Unauthorized => "Authentication required",
            HttpStatusCode.Forbidden => "Not allowed",
            HttpStatusCode.NotFound => "Not found",
            _ => $"{(int)status} {status}",
        };
        detail ??= status == HttpStatusCode.NotFound ? $"{method} {path}: not found (is this a k8s-agent platform?)" : null;
        return new ApiException((int)status, title, detail, errors);
    }

    private static string Format(int status, string title, string? detail, IReadOnlyList<string> errors)
    {
        var text = new StringBuilder(title);
        if (detail is { Length: > 0 })
        {
            text.Append(": ").Append(detail);
        }

        if (status == 401)
        {
            text.Append(" (set --token, K8S_AGENT_TOKEN, or a token in the client config written by `k8s-agent serve`)");
        }

        foreach (var error in errors)
        {
            text.Append(Environment.NewLine).Append("  - ").Append(error);
        }

        return text.ToString();
    }
}

/// <summary>Nothing answered at the platform's URL.</summary>
public sealed class PlatformUnreachableException(Uri? url, Exception inner)
    : Exception($"no platform at {url}: start one with `k8s-agent serve` (or point --url / K8S_AGENT_URL at a running one)", inner);
