using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using K8sAgentPlatform.Kubernetes;

namespace K8sAgentPlatform.Executor.Tests;

public sealed class RetryingHandlerTests
{
    private readonly List<TimeSpan> waits = [];

    [Fact]
    public async Task Server_errors_are_retried_with_growing_backoff_until_one_succeeds()
    {
        var server = new ScriptedHandler(HttpStatusCode.InternalServerError, HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);
        using var client = Client(server, new RetryOptions { MaxAttempts = 5, BaseDelay = TimeSpan.FromMilliseconds(100) });

        using var response = await client.PatchAsync("http://k8s/apis/apps/v1/namespaces/a/deployments/b", new StringContent("{\"spec\":{}}"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        server.Bodies.ShouldAllBe(b => b == "{\"spec\":{}}");
        server.Bodies.Count.ShouldBe(4);
        // Jitter 1.0 takes the upper bound: 100, 200, 400 ms.
        waits.ShouldBe([TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400)]);
    }

    [Fact]
    public async Task A_429_waits_as_long_as_Retry_After_says()
    {
        var server = new ScriptedHandler(HttpStatusCode.TooManyRequests, HttpStatusCode.OK) { RetryAfterSeconds = 3 };
        using var client = Client(server, new RetryOptions());

        using var response = await client.GetAsync("http://k8s/api/v1/nodes");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        waits.ShouldBe([TimeSpan.FromSeconds(3)]);
    }

    [Fact]
    public async Task Retry_After_beyond_the_cap_is_cut_to_the_cap()
    {
        var server = new ScriptedHandler(HttpStatusCode.TooManyRequests, HttpStatusCode.OK) { RetryAfterSeconds = 600 };
        using var client = Client(server, new RetryOptions { MaxRetryAfter = TimeSpan.FromSeconds(5) });

        using var _ = await client.GetAsync("http://k8s/api/v1/nodes");

        waits.ShouldBe([TimeSpan.FromSeconds(5)]);
    }

    [Theory]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Conflict)]
    [InlineData(HttpStatusCode.UnprocessableEntity)]
    public async Task Other_client_errors_are_final(HttpStatusCode code)
    {
        var server = new ScriptedHandler(code, HttpStatusCode.OK);
        using var client = Client(server, new RetryOptions());

        using var response = await client.GetAsync("http://k8s/api/v1/nodes");

        response.StatusCode.ShouldBe(code);
        server.Bodies.Count.ShouldBe(1);
        waits.ShouldBeEmpty();
    }

    [Fact]
    public async Task Attempts_are_bounded_and_the_last_answer_is_returned()
    {
        var server = new ScriptedHandler(Enumerable.Repeat(HttpStatusCode.ServiceUnavailable, 10).ToArray());
        using var client = Client(server, new RetryOptions { MaxAttempts = 3 });

        using var response = await client.GetAsync("http://k8s/api/v1/nodes");

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        server.Bodies.Count.ShouldBe(3);
        waits.Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_request_that_times_out_is_retried()
    {
        var server = new ScriptedHandler(HttpStatusCode.OK) { HangFirst = 1 };
        using var client = Client(server, new RetryOptions { AttemptTimeout = TimeSpan.FromMilliseconds(100) });

        using var response = await client.GetAsync("http://k8s/api/v1/nodes");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        server.Bodies.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Every_attempt_is_an_event_on_the_trace()
    {
        var events = new ConcurrentQueue<(string Name, IReadOnlyDictionary<string, object?> Tags)>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == KubernetesTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                foreach (var e in a.Events)
                {
                    events.Enqueue((e.Name, e.Tags.ToDictionary(t => t.Key, t => t.Value)));
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var server = new ScriptedHandler(HttpStatusCode.InternalServerError, HttpStatusCode.TooManyRequests, HttpStatusCode.OK);
        using var client = Client(server, new RetryOptions());

        using var _ = await client.GetAsync("http://k8s/api/v1/namespaces/trace-test/pods");

        var attempts = events.Where(e => e.Name == "kubernetes.attempt" && (string?)e.Tags["url.path"] == "/api/v1/namespaces/trace-test/pods").ToArray();
        attempts.Select(a => a.Tags["http.response.status_code"]).ShouldBe([500, 429, 200]);
        attempts.Select(a => a.Tags["retry"]).ShouldBe([true, true, false]);
    }

    private HttpClient Client(HttpMessageHandler server, RetryOptions options) =>
        new(new RetryingHandler(options, delay: (d, _) =>
        {
            lock (waits)
            {
                waits.Add(d);
            }

            return Task.CompletedTask;
        }, jitter: () => 1.0) { InnerHandler = server });

    /// <summary>Answers each request with the next status of its script; the last one repeats.</summary>
    private sealed class ScriptedHandler(params HttpStatusCode[] script) : HttpMessageHandler
    {
        private int next;

        public List<string> Bodies { get; } = [];

        public int RetryAfterSeconds { get; init; }

        public int HangFirst { get; init; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Bodies.Add(request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken));
            if (Bodies.Count <= HangFirst)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            var code = script[Math.Min(next++, script.Length - 1)];
            var response = new HttpResponseMessage(code) { Content = new StringContent("{}") };
            if (code == HttpStatusCode.TooManyRequests && RetryAfterSeconds > 0)
            {
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(RetryAfterSeconds));
            }

            return response;
        }
    }
}
