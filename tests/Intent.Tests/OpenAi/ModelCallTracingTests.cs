using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Intent.OpenAi;
using K8sAgentPlatform.Intent.Parsing;
using K8sAgentPlatform.Parsing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Intent.Tests.OpenAi;

public sealed class ModelCallTracingTests : IAsyncLifetime
{
    private const string Request = "make the checkout api in staging cope with the black friday load";
    private const string TestSourceName = "K8sAgentPlatform.Intent.Tests.Tracing";
    private static readonly ActivitySource TestSource = new(TestSourceName);

    private readonly ConcurrentQueue<Activity> stopped = new();
    private ActivityListener listener = null!;
    private OpenAiStub stub = null!;

    public async ValueTask InitializeAsync()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == PlatformTelemetry.SourceName || s.Name == TestSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        stub = await OpenAiStub.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        listener.Dispose();
        await stub.DisposeAsync();
    }

    [Fact]
    public async Task The_model_call_is_a_span_naming_the_model_and_never_the_prompt()
    {
        var intent = new JsonObject
        {
            ["original_request"] = Request,
            ["operations"] = new JsonArray(new JsonObject
            {
                ["operation_type"] = "scale",
                ["resource_type"] = "deployment",
                ["resource_name"] = "checkout-api",
                ["namespace"] = "staging",
                ["parameters"] = new JsonObject { ["replicas"] = 6 },
                ["reason"] = "More replicas for the expected load",
                ["requires_confirmation"] = false,
            }),
            ["estimated_risk_level"] = "low",
            ["summary"] = "Scale checkout-api in staging to 6 replicas",
        }.ToJsonString();
        stub.Then(StubAnswer.Completion(intent));
        var parser = new OpenAiIntentParser(Options.Create(new OpenAiOptions { BaseUrl = stub.BaseUrl, ApiKey = "sk-test-tracing", Model = "test-model-1" }),
            TimeProvider.System, NullLogger<OpenAiIntentParser>.Instance, (_, _) => Task.CompletedTask);

        string traceId;
        using (var root = TestSource.StartActivity("test"))
        {
            traceId = root!.TraceId.ToHexString();
            (await parser.ParseAsync(Request, new ClusterContext(["staging"], []), TestContext.Current.CancellationToken)).ShouldBeOfType<IntentParseSucceeded>();
        }

        var span = stopped.Where(a => a.TraceId.ToHexString() == traceId && a.Source.Name == PlatformTelemetry.SourceName).ShouldHaveSingleItem();
        span.DisplayName.ShouldBe("chat test-model-1");
        span.Kind.ShouldBe(ActivityKind.Client);
        span.GetTagItem("gen_ai.request.model").ShouldBe("test-model-1");
        span.GetTagItem("k8s_agent.outcome").ShouldBe("ok");
        span.Status.ShouldNotBe(ActivityStatusCode.Error);
        span.TagObjects.ShouldAllBe(t => t.Value == null || !t.Value.ToString()!.Contains("black friday"));
        span.Events.ShouldBeEmpty();
    }
}
