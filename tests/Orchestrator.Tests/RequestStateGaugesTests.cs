using K8sAgentPlatform.TestSupport;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Orchestrator.Monitoring;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Orchestrator.StateMachines;
using K8sAgentPlatform.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Orchestrator.Tests;

public sealed class RequestStateGaugesTests
{
    [Fact]
    public async Task Each_non_final_state_reports_its_count_and_how_long_its_stalest_request_has_not_moved()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var store = new InMemoryRequestStore();
        await using var provider = new ServiceCollection().AddMetrics().AddPlatformMetrics().BuildServiceProvider();
        var metrics = provider.GetRequiredService<PlatformMetrics>();
        using var listener = new MetricsListener(metrics);
        await store.InsertAsync(Request("Executing", time.GetUtcNow()));
        time.Advance(TimeSpan.FromMinutes(10));
        await store.InsertAsync(Request("Executing", time.GetUtcNow()));
        await store.InsertAsync(Request("AwaitingConfirmation", time.GetUtcNow()));
        await store.InsertAsync(Request("Completed", time.GetUtcNow() - TimeSpan.FromDays(1)));
        time.Advance(TimeSpan.FromMinutes(5));
        var gauges = new RequestStateGauges(store, metrics, time, Options.Create(new OrchestratorOptions()), NullLogger<RequestStateGauges>.Instance);

        await gauges.RefreshAsync(CancellationToken.None);
        listener.Observe();

        var counts = listener.Of(PlatformMetrics.RequestsInState).ToDictionary(r => r.Labels["state"], r => r.Value);
        var ages = listener.Of(PlatformMetrics.OldestRequestAge).ToDictionary(r => r.Labels["state"], r => r.Value);
        counts.ShouldBe(new Dictionary<string, double> { ["Parsing"] = 0, ["Validating"] = 0, ["AwaitingConfirmation"] = 1, ["Executing"] = 2, ["Compensating"] = 0 }, ignoreOrder: true);
        ages["Executing"].ShouldBe(15 * 60);
        ages["AwaitingConfirmation"].ShouldBe(5 * 60);
        ages["Parsing"].ShouldBe(0);
    }

    private static RequestState Request(string state, DateTimeOffset at) => new()
    {
        CorrelationId = Guid.NewGuid(),
        CurrentState = state,
        Principal = "alice",
        Source = "api",
        SubmittedAt = at,
        UpdatedAt = at,
    };
}
