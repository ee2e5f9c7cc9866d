using System.Diagnostics;
using System.Net;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>Waits between two attempts; tests pass one that records the delay and returns at once.</summary>
public delegate Task RetryDelay(TimeSpan delay, CancellationToken cancellationToken);

/// <summary>
/// Retries Kubernetes API requests that failed for a reason that may pass: 429 (after Retry-After when the
/// server gives one), 5xx, a timeout or a connection failure. Other 4xx answers are final: the server
/// understood the request and refused it. Every attempt is an event on the trace.
/// </summary>
public sealed class RetryingHandler : DelegatingHandler
{
    private readonly RetryOptions options;
    private readonly TimeProvider time;
    private readonly RetryDelay delay;
    private readonly Func<double> jitter;

    public RetryingHandler(RetryOptions options, TimeProvider? time = null, RetryDelay? delay = null, Func<double>? jitter = null)
    {
        this.options = options;
        this.time = time ?? TimeProvider.System;
        this.delay = delay ?? ((d, ct) => Task.Delay(d, this.time, ct));
        this.jitter = jitter ?? Random.Shared.NextDouble;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Buffered content can be sent again; the client's bodies are small JSON documents.
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }

        using var activity = KubernetesTelemetry.Source.StartActivity($"kubernetes {request.Method}", ActivityKind.Internal);
        var trace = activity ?? Activity.Current;
        activity?.SetTag("http.request.method", request.Method.Method);
        activity?.SetTag("url.path", request.RequestUri?.AbsolutePath);
        for (var attempt = 1; ; attempt++)
        {
            var started = time.GetTimestamp();
            HttpResponseMessage? response = null;
            Exception? failure = null;
            using var timer = new CancellationTokenSource(options.AttemptTimeout, time);
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            try
            {
                response = await base.SendAsync(request, attemptTimeout.Token);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                failure = new TimeoutException($"no answer within {options.AttemptTimeout.TotalSeconds:0.#} s", e);
            }
            catch (HttpRequestException e)
            {
                failure = e;
            }

            var status = response is null ? (int?)null : (int)response.StatusCode;
            var retryable = response is null || (IsTransient(response.StatusCode) && !IsRefusedEviction(request, response.StatusCode));
            var last = attempt >= options.MaxAttempts || !retryable;
            var wait = last ? TimeSpan.Zero : Backoff(attempt, response);
            trace?.AddEvent(new ActivityEvent("kubernetes.attempt", tags: new ActivityTagsCollection
            {
                ["attempt"] = attempt,
                ["http.request.method"] = request.Method.Method,
                ["url.path"] = request.RequestUri?.AbsolutePath,
                ["http.response.status_code"] = status,
                ["error.type"] = failure?.GetType().Name,
                ["duration_ms"] = time.GetElapsedTime(started).TotalMilliseconds,
                ["retry"] = !last,
                ["retry.delay_ms"] = wait.TotalMilliseconds,
            }));
            activity?.SetTag("kubernetes.attempts", attempt);

            if (last)
            {
                activity?.SetTag("http.response.status_code", status);
                if (response is not null)
                {
                    if (!response.IsSuccessStatusCode)
                    {
                        activity?.SetStatus(ActivityStatusCode.Error, $"HTTP {status}");
                    }

                    return response;
                }

                activity?.SetStatus(ActivityStatusCode.Error, failure!.Message);
                throw failure is TimeoutException timeout
                    ? new HttpRequestException($"{request.Method} {request.RequestUri?.AbsolutePath}: {timeout.Message} after {attempt} attempt(s)", timeout)
                    : failure!;
            }

            response?.Dispose();
            await delay(wait, cancellationToken);
        }
    }

    /// <summary>
    /// An eviction answered 429 is a disruption budget saying no, not an overloaded server: the drain backs off
    /// and tries the other pods meanwhile, which it cannot do while this handler waits.
    /// </summary>
    private static bool IsRefusedEviction(HttpRequestMessage request, HttpStatusCode code) =>
        code == HttpStatusCode.TooManyRequests && request.Method == HttpMethod.Post
        && request.RequestUri?.AbsolutePath.EndsWith("/eviction", StringComparison.Ordinal) == true;

    private static bool IsTransient(HttpStatusCode code) =>
        code == HttpStatusCode.TooManyRequests || (int)code >= 500;

    /// <summary>Retry-After when the server sent one (capped), else exponential backoff with jitter.</summary>
    private TimeSpan Backoff(int attempt, HttpResponseMessage? response)
    {
        if (response?.Headers.RetryAfter is { } retryAfter)
        {
            var after = retryAfter.Delta
                ?? (retryAfter.Date is { } date ? date - time.GetUtcNow() : (TimeSpan?)null);
            if (after is { } wanted)
            {
                return wanted < TimeSpan.Zero ? TimeSpan.Zero : wanted > options.MaxRetryAfter ? options.MaxRetryAfter : wanted;
            }
        }

        var ceiling = Math.Min(options.MaxDelay.TotalMilliseconds, options.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        // Half fixed, half random: attempts spread out yet the wait still grows with each failure.
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (jitter() / 2)));
    }
}
