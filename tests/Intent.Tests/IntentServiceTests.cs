using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Intent.Parsing;
using K8sAgentPlatform.Parsing;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace K8sAgentPlatform.Intent.Tests;

public sealed class IntentServiceTests : IAsyncLifetime
{
    private ServiceProvider provider = null!;
    private ITestHarness harness = null!;

    public async ValueTask InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Intent:Namespaces:0"] = "dev",
            ["Intent:ProductionNamespaces:0"] = "dev",
        }).Build();
        provider = new ServiceCollection()
            .AddIntentParsing(configuration)
            .AddMassTransitTestHarness(x => x.AddIntentConsumers())
            .BuildServiceProvider(true);
        harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await harness.Stop();
        await provider.DisposeAsync();
    }

    [Fact]
    public async Task Text_the_offline_parser_understands_becomes_IntentParsed()
    {
        var id = Guid.NewGuid();

        await harness.Bus.Publish(new RequestSubmitted { RequestId = id, Text = "scale api to 3 in dev", Principal = "alice" });

        (await harness.Consumed.Any<RequestSubmitted>()).ShouldBeTrue();
        harness.Consumed.Select<RequestSubmitted>().First().Exception.ShouldBeNull();
        (await harness.Published.Any<IntentParsed>(x => x.Context.Message.RequestId == id)).ShouldBeTrue();
        var parsed = harness.Published.Select<IntentParsed>().Single(x => x.Context.Message.RequestId == id).Context.Message;
        parsed.Parser.ShouldBe("offline");
        // the configured context reached the parser: "dev" is production here, so the scale needs confirmation
        parsed.Intent.EstimatedRiskLevel.ShouldBe(RiskLevel.Medium);
        parsed.Intent.Operations.ShouldHaveSingleItem().Parameters.ShouldBeOfType<ScaleParameters>().Replicas.ShouldBe(3);
        (await harness.Published.Any<IntentParsingFailed>()).ShouldBeFalse();
    }

    [Fact]
    public async Task Text_it_does_not_understand_becomes_IntentParsingFailed_with_the_reason()
    {
        var id = Guid.NewGuid();

        await harness.Bus.Publish(new RequestSubmitted { RequestId = id, Text = "scale api to 500 in dev", Principal = "alice" });

        (await harness.Published.Any<IntentParsingFailed>(x => x.Context.Message.RequestId == id)).ShouldBeTrue();
        var failed = harness.Published.Select<IntentParsingFailed>().Single().Context.Message;
        failed.Kind.ShouldBe("invalid_intent");
        failed.Reason.ShouldContain("operations[0].parameters.replicas: must be between 0 and 100, got 500");
        (await harness.Published.Any<IntentParsed>()).ShouldBeFalse();
    }

    [Fact]
    public async Task A_given_intent_is_passed_on_as_provided()
    {
        var id = Guid.NewGuid();
        var intent = ((IntentParseSucceeded)new K8sAgentPlatform.Parsing.Offline.OfflineIntentParser().Parse("restart web in staging", ClusterContext.Empty)).Intent;

        await harness.Bus.Publish(new RequestSubmitted { RequestId = id, Intent = intent, Principal = "ci" });

        (await harness.Consumed.Any<RequestSubmitted>()).ShouldBeTrue();
        (await harness.Published.Any<IntentParsed>(x => x.Context.Message.RequestId == id)).ShouldBeTrue();
        var parsed = harness.Published.Select<IntentParsed>().Single().Context.Message;
        parsed.Parser.ShouldBe("provided");
        IntentJson.Serialize(parsed.Intent).ShouldBe(IntentJson.Serialize(intent));
    }

    [Fact]
    public async Task A_request_with_neither_text_nor_intent_fails_clearly()
    {
        var id = Guid.NewGuid();

        await harness.Bus.Publish(new RequestSubmitted { RequestId = id, Principal = "ci" });

        (await harness.Published.Any<IntentParsingFailed>(x => x.Context.Message.RequestId == id)).ShouldBeTrue();
        harness.Published.Select<IntentParsingFailed>().Single().Context.Message.Reason.ShouldBe("the request has neither text nor an intent");
    }
}
