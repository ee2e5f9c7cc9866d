using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Tests.Shared;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace K8sAgentPlatform.Intent.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task Classifying_text_records_its_duration_with_the_parser_and_the_outcome()
    {
        await using var provider = new ServiceCollection()
            .AddIntentParsing(new ConfigurationBuilder().Build())
            .AddMassTransitTestHarness(x => x.AddIntentConsumers())
            .BuildServiceProvider(true);
        using var metrics = new MetricsListener(provider.GetRequiredService<PlatformMetrics>());
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var understood = Guid.NewGuid();
        var gibberish = Guid.NewGuid();

        await harness.Bus.Publish(new RequestSubmitted { RequestId = understood, Text = "scale api to 3 in dev", Principal = "alice" });
        await harness.Bus.Publish(new RequestSubmitted { RequestId = gibberish, Text = "please make everything better somehow", Principal = "alice" });
        (await harness.Published.Any<IntentParsed>(x => x.Context.Message.RequestId == understood)).ShouldBeTrue();
        (await harness.Published.Any<IntentParsingFailed>(x => x.Context.Message.RequestId == gibberish)).ShouldBeTrue();

        var recorded = metrics.Of(PlatformMetrics.IntentClassificationDuration);
        recorded.Count.ShouldBe(2);
        recorded.ShouldContain(r => r.Labels["parser"] == "offline" && r.Labels["outcome"] == "parsed");
        recorded.ShouldContain(r => r.Labels["parser"] == "offline" && r.Labels["outcome"] == "not_understood");
        recorded.ShouldAllBe(r => r.Value >= 0 && r.Value < 30);
    }

    [Fact]
    public async Task A_request_without_text_is_not_timed_as_a_classification()
    {
        await using var provider = new ServiceCollection()
            .AddIntentParsing(new ConfigurationBuilder().Build())
            .AddMassTransitTestHarness(x => x.AddIntentConsumers())
            .BuildServiceProvider(true);
        using var metrics = new MetricsListener(provider.GetRequiredService<PlatformMetrics>());
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var id = Guid.NewGuid();

        await harness.Bus.Publish(new RequestSubmitted { RequestId = id, Principal = "alice" });
        (await harness.Published.Any<IntentParsingFailed>(x => x.Context.Message.RequestId == id)).ShouldBeTrue();

        metrics.Of(PlatformMetrics.IntentClassificationDuration).ShouldBeEmpty();
    }
}
