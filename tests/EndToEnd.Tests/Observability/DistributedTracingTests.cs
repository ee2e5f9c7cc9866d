using K8sAgentPlatform.TestSupport;

namespace K8sAgentPlatform.EndToEnd.Tests.Observability;

/// <summary>
/// One request through the five processes on RabbitMQ, its spans exported over OTLP/HTTP to a receiver in the
/// test: the trace context must travel from the API through the bus to every service.
/// </summary>
public sealed class DistributedTracingTests(Broker broker) : IAsyncLifetime
{
    private OtlpReceiver? receiver;
    private DistributedPlatform? platform;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (platform is not null)
        {
            await platform.DisposeAsync();
        }

        if (receiver is not null)
        {
            await receiver.DisposeAsync();
        }
    }

    [Fact]
    public async Task One_request_is_one_trace_from_the_API_through_intent_and_policy_to_the_executor()
    {
        broker.Require();
        receiver = await OtlpReceiver.StartAsync();
        platform = await DistributedPlatform.StartAsync(broker, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });

        var id = await platform.SubmitAsync("scale api to 2 in staging", "alice");
        var request = await platform.WaitForFinalStateAsync(id);
        request.GetProperty("state").GetString().ShouldBe("Completed", request.ToString());

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var spans = receiver.Spans;
            var submit = spans.FirstOrDefault(s => s.Service == "orchestrator" && s.Name.StartsWith("POST /api/requests", StringComparison.Ordinal));
            var trace = submit is null ? [] : spans.Where(s => s.TraceId == submit.TraceId).ToArray();
            bool Has(string service, string name) => trace.Any(s => s.Service == service && s.Name == name);
            if (submit is not null && Has("intent", "intent classify") && Has("policy", "policy evaluate") && Has("executor", "executor execute"))
            {
                trace.Select(s => s.Service).Distinct().ShouldBeSubsetOf(["orchestrator", "intent", "policy", "executor", "rollback"]);
                trace.Where(s => s.ParentSpanId.Length == 0).ShouldHaveSingleItem().ShouldBe(submit, "the API request is the trace's only root");
                trace.Where(s => s.Service == "executor").ShouldContain(s => s.Name.StartsWith("kubernetes ", StringComparison.Ordinal), "the executor's Kubernetes calls are in the trace");
                break;
            }

            (DateTime.UtcNow < deadline).ShouldBeTrue("the spans never formed one trace:\n" + string.Join("\n",
                spans.GroupBy(s => s.TraceId).Select(g => $"{g.Key}: {string.Join(", ", g.Select(s => $"{s.Service}/{s.Name}"))}")));
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }
}
