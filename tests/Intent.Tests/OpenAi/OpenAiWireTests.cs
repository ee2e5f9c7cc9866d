using System.Diagnostics;
using System.Text.Json.Nodes;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Intent.OpenAi;
using K8sAgentPlatform.Intent.Parsing;
using K8sAgentPlatform.Parsing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Intent.Tests.OpenAi;

/// <summary>The OpenAI parser over real HTTP against a local OpenAI-compatible stub.</summary>
public sealed class OpenAiWireTests : IAsyncLifetime
{
    private const string ApiKey = "sk-test-not-a-real-key-4711";
    private const string Request = "scale the api deployment to 3 replicas in staging";

    private static readonly ClusterContext Cluster = new(["dev", "staging", "prod-eu"], ["prod-eu"], "test-cluster");

    private static readonly string ScaleIntent = new JsonObject
    {
        ["original_request"] = Request,
        ["operations"] = new JsonArray(new JsonObject
        {
            ["operation_type"] = "scale",
            ["resource_type"] = "deployment",
            ["resource_name"] = "api",
            ["namespace"] = "staging",
            ["parameters"] = new JsonObject { ["replicas"] = 3 },
            ["reason"] = "The operator asked for 3 replicas of api in staging",
            ["requires_confirmation"] = false,
        }),
        ["estimated_risk_level"] = "low",
        ["summary"] = "Scale deployment api in staging to 3 replicas",
    }.ToJsonString();

    private readonly List<TimeSpan> delays = [];
    private readonly CapturingLogger<OpenAiIntentParser> logger = new();
    private OpenAiStub stub = null!;

    public async ValueTask InitializeAsync() => stub = await OpenAiStub.StartAsync();

    public async ValueTask DisposeAsync() => await stub.DisposeAsync();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private OpenAiIntentParser Parser(Action<OpenAiOptions>? configure = null)
    {
        var options = new OpenAiOptions { BaseUrl = stub.BaseUrl, ApiKey = ApiKey };
        configure?.Invoke(options);
        return new OpenAiIntentParser(Options.Create(options), TimeProvider.System, logger, (delay, _) =>
        {
            delays.Add(delay);
            return Task.CompletedTask;
        });
    }

    private static IntentParseFailed ShouldFail(IntentParseResult result, ParseFailureKind kind)
    {
        var failed = result.ShouldBeOfType<IntentParseFailed>();
        failed.Kind.ShouldBe(kind, failed.Message);
        failed.Parser.ShouldBe("openai");
        return failed;
    }

    [Fact]
    public async Task The_sdk_sends_one_strict_json_schema_chat_completion_with_the_rules_the_context_and_the_text()
    {
        stub.Then(StubAnswer.Completion(ScaleIntent));

        var result = await Parser().ParseAsync(Request, Cluster, Token);

        result.ShouldBeOfType<IntentParseSucceeded>().Parser.ShouldBe("openai");
        var request = stub.Requests.ShouldHaveSingleItem();
        request.Method.ShouldBe("POST");
        request.Path.ShouldBe("/v1/chat/completions");
        request.Headers["Authorization"].ShouldBe($"Bearer {ApiKey}");

        var body = request.Json;
        body["model"]!.GetValue<string>().ShouldBe("gpt-5.5");
        body["temperature"]!.GetValue<double>().ShouldBe(0.1, 1e-6);
        body["max_completion_tokens"]!.GetValue<int>().ShouldBe(2000);
        body.AsObject().ContainsKey("max_tokens").ShouldBeFalse();

        var format = body["response_format"]!;
        format["type"]!.GetValue<string>().ShouldBe("json_schema");
        format["json_schema"]!["name"]!.GetValue<string>().ShouldBe(IntentSchema.Name);
        format["json_schema"]!["strict"]!.GetValue<bool>().ShouldBeTrue();
        JsonNode.DeepEquals(format["json_schema"]!["schema"], IntentSchema.Build()).ShouldBeTrue("the schema sent must be the intent schema");

        var messages = body["messages"]!.AsArray();
        messages.Count.ShouldBe(2);
        messages[0]!["role"]!.GetValue<string>().ShouldBe("system");
        var system = messages[0]!["content"]!.GetValue<string>();
        system.ShouldContain("Risk levels");
        system.ShouldContain("critical: deletions in production, node operations");
        system.ShouldContain("true for every operation of risk medium or higher");
        system.ShouldContain("Use only namespaces listed in the cluster context");
        system.ShouldContain("for resource_type node set namespace to null");
        system.ShouldContain("choose the safer reading");
        system.ShouldContain("scale: {\"replicas\": 0 to 100}");
        system.ShouldContain("Cluster: test-cluster");
        system.ShouldContain("Production namespaces: prod-eu");
        system.ShouldContain("Available namespaces: dev, staging, prod-eu");
        messages[1]!["role"]!.GetValue<string>().ShouldBe("user");
        messages[1]!["content"]!.GetValue<string>().ShouldBe(Request);
    }

    [Fact]
    public async Task A_valid_answer_becomes_the_typed_intent_with_the_request_verbatim()
    {
        stub.Then(StubAnswer.Completion(ScaleIntent.Replace(Request, "scale api to three")));

        var result = await Parser().ParseAsync(Request, Cluster, Token);

        var intent = result.ShouldBeOfType<IntentParseSucceeded>().Intent;
        intent.OriginalRequest.ShouldBe(Request);
        var operation = intent.Operations.ShouldHaveSingleItem();
        operation.OperationType.ShouldBe(OperationType.Scale);
        operation.Namespace.ShouldBe("staging");
        operation.Parameters.ShouldBeOfType<ScaleParameters>().Replicas.ShouldBe(3);
        delays.ShouldBeEmpty();
    }

    [Fact]
    public async Task Configured_model_and_sampling_settings_reach_the_wire()
    {
        stub.Then(StubAnswer.Completion(ScaleIntent));

        await Parser(o =>
        {
            o.Model = "llama3.1:8b";
            o.Temperature = 0;
            o.MaxOutputTokens = 512;
        }).ParseAsync(Request, Cluster, Token);

        var body = stub.Requests.ShouldHaveSingleItem().Json;
        body["model"]!.GetValue<string>().ShouldBe("llama3.1:8b");
        body["temperature"]!.GetValue<double>().ShouldBe(0);
        body["max_completion_tokens"]!.GetValue<int>().ShouldBe(512);
    }

    [Fact]
    public async Task A_refusal_is_a_refused_failure_carrying_the_models_words()
    {
        stub.Then(StubAnswer.Refusal("I can't tell which namespace you mean."));

        var failed = ShouldFail(await Parser().ParseAsync("delete everything", Cluster, Token), ParseFailureKind.Refused);

        failed.Message.ShouldContain("I can't tell which namespace you mean.");
        failed.Details.ShouldBe(["I can't tell which namespace you mean."]);
        stub.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_truncated_answer_asks_the_user_to_split_the_request()
    {
        stub.Then(StubAnswer.Completion("{\"original_request\":\"scale", finishReason: "length"));

        var failed = ShouldFail(await Parser().ParseAsync(Request, Cluster, Token), ParseFailureKind.Truncated);

        failed.Message.ShouldContain("cut off at 2000 output tokens");
        failed.Message.ShouldContain("Split the request");
        stub.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_schema_valid_answer_that_breaks_a_bound_is_an_invalid_intent_naming_the_path()
    {
        stub.Then(StubAnswer.Completion(ScaleIntent.Replace("\"replicas\":3", "\"replicas\":500")));

        var failed = ShouldFail(await Parser().ParseAsync(Request, Cluster, Token), ParseFailureKind.InvalidIntent);

        failed.Details.ShouldBe(["operations[0].parameters.replicas: must be between 0 and 100, got 500"]);
        failed.Message.ShouldContain("operations[0].parameters.replicas");
    }

    [Fact]
    public async Task Every_broken_bound_is_reported()
    {
        stub.Then(StubAnswer.Completion(ScaleIntent
            .Replace("\"replicas\":3", "\"replicas\":-1")
            .Replace("The operator asked for 3 replicas of api in staging", "short")));

        var failed = ShouldFail(await Parser().ParseAsync(Request, Cluster, Token), ParseFailureKind.InvalidIntent);

        failed.Details.ShouldContain("operations[0].parameters.replicas: must be between 0 and 100, got -1");
        failed.Details.ShouldContain("operations[0].reason: must be between 10 and 500 characters, got 5");
        failed.Message.ShouldContain("(and 1 more)");
    }

    [Fact]
    public async Task A_namespace_the_cluster_does_not_have_is_an_invalid_intent()
    {
        stub.Then(StubAnswer.Completion(ScaleIntent.Replace("\"namespace\":\"staging\"", "\"namespace\":\"stagin\"")));

        var failed = ShouldFail(await Parser().ParseAsync(Request, Cluster, Token), ParseFailureKind.InvalidIntent);

        failed.Details.ShouldBe(["operations[0].namespace: 'stagin' is not a namespace of this cluster"]);
    }

    [Fact]
    public async Task A_429_is_retried_after_the_servers_retry_after_then_succeeds()
    {
        stub.Then(StubAnswer.Error(429, "Rate limit reached for gpt-5.5", retryAfterSeconds: 2))
            .Then(StubAnswer.Completion(ScaleIntent));

        var result = await Parser().ParseAsync(Request, Cluster, Token);

        result.ShouldBeOfType<IntentParseSucceeded>();
        delays.ShouldBe([TimeSpan.FromSeconds(2)]);
        stub.Requests.Count.ShouldBe(2);
        stub.Requests[1].Body.ShouldBe(stub.Requests[0].Body);
    }

    [Fact]
    public async Task A_429_that_lasts_gives_up_after_max_retries_and_says_when_to_retry()
    {
        for (var i = 0; i < 3; i++)
        {
            stub.Then(StubAnswer.Error(429, "Rate limit reached for gpt-5.5", retryAfterSeconds: 7));
        }

        var failed = ShouldFail(await Parser(o => o.MaxRetries = 2).ParseAsync(Request, Cluster, Token), ParseFailureKind.RateLimited);

        stub.Requests.Count.ShouldBe(3);
        delays.ShouldBe([TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7)]);
        failed.Message.ShouldContain("rate limiting requests (429) after 3 attempts");
        failed.Message.ShouldContain("Try again in 7 s (after ");
        failed.Details.Count.ShouldBe(3);
        failed.Details[0].ShouldBe("attempt 1: 429 rate limited: Rate limit reached for gpt-5.5");
    }

    [Fact]
    public async Task A_retry_after_longer_than_a_minute_is_not_waited_for()
    {
        stub.Then(StubAnswer.Error(429, "You exceeded your current quota", retryAfterSeconds: 3600));

        var failed = ShouldFail(await Parser().ParseAsync(Request, Cluster, Token), ParseFailureKind.RateLimited);

        stub.Requests.Count.ShouldBe(1);
        delays.ShouldBeEmpty();
        failed.Message.ShouldContain("Try again in 3600 s");
    }

    [Fact]
    public async Task Server_errors_are_retried_with_exponential_backoff_and_jitter_then_reported_unavailable()
    {
        for (var i = 0; i < 4; i++)
        {
            stub.Then(StubAnswer.Error(500, "The server had an error while processing your request."));
        }

        var failed = ShouldFail(await Parser().ParseAsync(Request, Cluster, Token), ParseFailureKind.Unavailable);

        stub.Requests.Count.ShouldBe(4);
        delays.Count.ShouldBe(3);
        for (var i = 0; i < delays.Count; i++)
        {
            var full = TimeSpan.FromSeconds(Math.Pow(2, i));
            delays[i].ShouldBeInRange(full / 2, full);
        }

        failed.Message.ShouldContain("unavailable (500 server error: The server had an error while processing your request.) after 4 attempts");
        failed.Message.ShouldContain(stub.BaseUrl);
    }

    [Fact]
    public async Task A_503_then_success_succeeds()
    {
        stub.Then(StubAnswer.Error(503, "overloaded")).Then(StubAnswer.Completion(ScaleIntent));

        (await Parser().ParseAsync(Request, Cluster, Token)).ShouldBeOfType<IntentParseSucceeded>();

        stub.Requests.Count.ShouldBe(2);
        delays.Count.ShouldBe(1);
    }

    [Fact]
    public async Task An_answer_slower_than_the_timeout_is_a_timeout_after_the_retries()
    {
        var parser = Parser(o =>
        {
            o.Timeout = TimeSpan.FromMilliseconds(300);
            o.MaxRetries = 1;
        });
        // A first call (with a generous timeout, so a busy machine cannot make it time out and retry) warms the SDK up,
        // so the short timeout below measures the server, not JIT.
        stub.Then(StubAnswer.Completion(ScaleIntent));
        (await Parser(o => o.Timeout = TimeSpan.FromSeconds(60)).ParseAsync(Request, Cluster, Token)).ShouldBeOfType<IntentParseSucceeded>();
        stub.Then(StubAnswer.Completion(ScaleIntent).After(TimeSpan.FromSeconds(30)))
            .Then(StubAnswer.Completion(ScaleIntent).After(TimeSpan.FromSeconds(30)));
        var clock = Stopwatch.StartNew();

        var failed = ShouldFail(await parser.ParseAsync(Request, Cluster, Token), ParseFailureKind.Timeout);

        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        stub.Requests.Count.ShouldBe(3);
        delays.Count.ShouldBe(1);
        failed.Message.ShouldContain("did not answer within 0.3 s (2 attempts)");
        failed.Message.ShouldContain("OpenAI:Timeout");
        failed.Details.ShouldBe(["attempt 1: no answer within 0.3 s", "attempt 2: no answer within 0.3 s"]);
    }

    [Fact]
    public async Task A_rejected_key_is_not_retried_and_says_what_to_check()
    {
        stub.Then(StubAnswer.Error(401, "Incorrect API key provided"));

        var failed = ShouldFail(await Parser().ParseAsync(Request, Cluster, Token), ParseFailureKind.NotConfigured);

        stub.Requests.Count.ShouldBe(1);
        delays.ShouldBeEmpty();
        failed.Message.ShouldContain("401 the API key was rejected: Incorrect API key provided");
        failed.Message.ShouldContain("OpenAI:ApiKey");
        failed.Message.ShouldNotContain(ApiKey);
    }

    [Fact]
    public async Task A_key_echoed_by_the_server_is_masked_in_the_failure_and_the_logs()
    {
        stub.Then(StubAnswer.Error(403, $"key {ApiKey} is not allowed here"));

        var failed = ShouldFail(await Parser().ParseAsync(Request, Cluster, Token), ParseFailureKind.NotConfigured);

        failed.Message.ShouldContain("403 the API key was rejected: key [api key] is not allowed here");
        string.Join('\n', failed.Details).ShouldNotContain(ApiKey);
        string.Join('\n', logger.Lines).ShouldNotContain(ApiKey);
    }

    [Fact]
    public async Task An_unknown_model_names_the_configured_model()
    {
        stub.Then(StubAnswer.Error(404, "The model `gpt-9` does not exist"));

        var failed = ShouldFail(await Parser(o => o.Model = "gpt-9").ParseAsync(Request, Cluster, Token), ParseFailureKind.NotConfigured);

        failed.Message.ShouldContain("404 model or endpoint not found");
        failed.Message.ShouldContain("OpenAI:Model (\"gpt-9\")");
        failed.Message.ShouldContain("usually ending in /v1");
    }

    [Fact]
    public async Task Without_a_key_nothing_is_sent_and_the_failure_says_what_to_set()
    {
        var parser = Parser(o => o.ApiKey = null);

        var failed = ShouldFail(await parser.ParseAsync(Request, Cluster, Token), ParseFailureKind.NotConfigured);

        parser.IsConfigured.ShouldBeFalse();
        stub.Requests.ShouldBeEmpty();
        failed.Message.ShouldContain("OpenAI:ApiKey");
    }

    [Fact]
    public async Task A_server_that_is_not_listening_is_unavailable()
    {
        var closed = stub.BaseUrl;
        await stub.DisposeAsync();
        stub = await OpenAiStub.StartAsync();

        var parser = new OpenAiIntentParser(
            Options.Create(new OpenAiOptions { BaseUrl = closed, ApiKey = ApiKey, MaxRetries = 1 }),
            TimeProvider.System,
            logger,
            (delay, _) =>
            {
                delays.Add(delay);
                return Task.CompletedTask;
            });

        var failed = ShouldFail(await parser.ParseAsync(Request, Cluster, Token), ParseFailureKind.Unavailable);

        failed.Message.ShouldContain("connection failed");
        delays.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_cluster_with_500_namespaces_keeps_the_system_prompt_bounded()
    {
        var namespaces = Enumerable.Range(0, 500).Select(i => $"team-{i:000}-workloads").ToArray();
        var production = Enumerable.Range(0, 120).Select(i => $"prod-{i:000}-workloads").ToArray();
        stub.Then(StubAnswer.Completion(ScaleIntent));

        await Parser().ParseAsync(Request, new ClusterContext([.. namespaces, .. production], production), Token);

        var system = stub.Requests.ShouldHaveSingleItem().Json["messages"]![0]!["content"]!.GetValue<string>();
        system.Length.ShouldBeLessThanOrEqualTo(IntentPrompt.MaxLength);
        system.Length.ShouldBeLessThan(10_000);
        system.ShouldContain("Production namespaces: prod-000-workloads, ");
        system.ShouldContain("Available namespaces: team-000-workloads, ");
        system.ShouldContain("more");
        system.ShouldNotContain("team-499-workloads");
    }

    [Fact]
    public async Task Without_a_namespace_list_the_prompt_allows_only_namespaces_the_request_names()
    {
        stub.Then(StubAnswer.Completion(ScaleIntent));

        (await Parser().ParseAsync(Request, ClusterContext.Empty, Token)).ShouldBeOfType<IntentParseSucceeded>();

        var system = stub.Requests.ShouldHaveSingleItem().Json["messages"]![0]!["content"]!.GetValue<string>();
        system.ShouldContain("Available namespaces: (none known)");
        system.ShouldContain("use only a namespace the request names explicitly");
    }

    [Fact]
    public async Task Logs_carry_neither_the_key_nor_the_prompt_nor_the_request()
    {
        stub.Then(StubAnswer.Error(429, "slow down", retryAfterSeconds: 1)).Then(StubAnswer.Completion(ScaleIntent));

        await Parser().ParseAsync(Request, Cluster, Token);

        logger.Lines.ShouldNotBeEmpty();
        var all = string.Join('\n', logger.Lines);
        all.ShouldNotContain(ApiKey);
        all.ShouldNotContain(Request);
        all.ShouldNotContain("Risk levels");
        all.ShouldNotContain("prod-eu");
    }

    [Fact]
    public async Task A_retry_after_given_as_a_date_is_measured_on_the_injected_clock()
    {
        var now = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        var answer = StubAnswer.Error(429, "slow down");
        stub.Then(answer with { Headers = new Dictionary<string, string> { ["retry-after"] = now.AddSeconds(5).ToString("r") } })
            .Then(answer with { Headers = new Dictionary<string, string> { ["retry-after"] = now.AddSeconds(5).ToString("r") } });
        var parser = new OpenAiIntentParser(
            Options.Create(new OpenAiOptions { BaseUrl = stub.BaseUrl, ApiKey = ApiKey, MaxRetries = 1 }),
            new FixedClock(now),
            logger,
            (delay, _) =>
            {
                delays.Add(delay);
                return Task.CompletedTask;
            });

        var failed = ShouldFail(await parser.ParseAsync(Request, Cluster, Token), ParseFailureKind.RateLimited);

        delays.ShouldBe([TimeSpan.FromSeconds(5)]);
        failed.Message.ShouldContain("Try again in 5 s (after 12:00:05 UTC)");
    }

    [Fact]
    public async Task A_null_temperature_is_left_out_for_models_that_accept_only_their_default()
    {
        stub.Then(StubAnswer.Completion(ScaleIntent));

        await Parser(o => o.Temperature = null).ParseAsync(Request, Cluster, Token);

        stub.Requests.ShouldHaveSingleItem().Json.AsObject().ContainsKey("temperature").ShouldBeFalse();
    }

    [Fact]
    public async Task A_finish_reason_the_sdk_does_not_know_is_unavailable_without_retrying()
    {
        stub.Then(StubAnswer.Completion(ScaleIntent, finishReason: "eos_token"));

        var failed = ShouldFail(await Parser().ParseAsync(Request, Cluster, Token), ParseFailureKind.Unavailable);

        stub.Requests.Count.ShouldBe(1);
        failed.Message.ShouldContain("not one the OpenAI SDK can read");
    }

    [Fact]
    public async Task A_content_filter_stop_is_a_refusal()
    {
        stub.Then(StubAnswer.Completion(null, finishReason: "content_filter"));

        var failed = ShouldFail(await Parser().ParseAsync(Request, Cluster, Token), ParseFailureKind.Refused);

        failed.Message.ShouldContain("content filter");
    }

    [Fact]
    public async Task A_request_the_server_rejects_is_not_retried_and_carries_the_servers_reason()
    {
        stub.Then(StubAnswer.Error(400, "Unsupported value: 'temperature' does not support 0.1 with this model."));

        var failed = ShouldFail(await Parser().ParseAsync(Request, Cluster, Token), ParseFailureKind.NotConfigured);

        stub.Requests.Count.ShouldBe(1);
        failed.Message.ShouldContain("400 the request was rejected: Unsupported value: 'temperature'");
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_reported_as_a_timeout()
    {
        stub.Then(StubAnswer.Completion(ScaleIntent).After(TimeSpan.FromSeconds(30)));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var parse = Parser().ParseAsync(Request, Cluster, cancel.Token);
        // Cancel only once the call is in flight, so the test does not depend on how fast the machine is.
        while (stub.Requests.Count == 0 && !parse.IsCompleted)
        {
            await Task.Delay(10, Token);
        }

        await cancel.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => parse);

        stub.Requests.Count.ShouldBe(1);
        delays.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_request_longer_than_the_model_allows_is_refused_before_any_call()
    {
        var failed = ShouldFail(await Parser().ParseAsync(new string('x', 2001), Cluster, Token), ParseFailureKind.InvalidIntent);

        stub.Requests.ShouldBeEmpty();
        failed.Details.ShouldBe(["original_request: must be at most 2000 characters, got 2001"]);
    }
}

/// <summary>A clock whose wall time stands still; timers still run on the system clock.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
