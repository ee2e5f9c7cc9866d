using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Intent.Parsing;
using K8sAgentPlatform.Parsing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace K8sAgentPlatform.Intent.Tests.OpenAi;

/// <summary>The composite as the services compose it: offline first, the model over real HTTP for the rest.</summary>
public sealed class CompositeParserTests : IAsyncLifetime
{
    private OpenAiStub stub = null!;

    public async ValueTask InitializeAsync() => stub = await OpenAiStub.StartAsync();

    public async ValueTask DisposeAsync() => await stub.DisposeAsync();

    private IIntentParser Composite(bool withKey)
    {
        var settings = new Dictionary<string, string?> { ["OpenAI:BaseUrl"] = stub.BaseUrl };
        if (withKey)
        {
            settings["OpenAI:ApiKey"] = "sk-test-composite";
        }

        return new ServiceCollection()
            .AddIntentParsing(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider()
            .GetRequiredService<IIntentParser>();
    }

    [Fact]
    public async Task Text_the_offline_parser_understands_never_reaches_the_model()
    {
        var result = await Composite(withKey: true).ParseAsync("restart web in staging", ClusterContext.Empty);

        result.ShouldBeOfType<IntentParseSucceeded>().Parser.ShouldBe("offline");
        stub.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Free_form_text_goes_to_the_model_and_says_so()
    {
        const string text = "the web thing in staging is slow, give it a fresh start";
        stub.Then(StubAnswer.Completion($$"""
            {"original_request":"{{text}}","operations":[{"operation_type":"restart","resource_type":"deployment","resource_name":"web","namespace":"staging","parameters":null,"reason":"A restart clears the slow state","requires_confirmation":false}],"estimated_risk_level":"low","summary":"Restart deployment web in staging"}
            """));

        var result = await Composite(withKey: true).ParseAsync(text, ClusterContext.Empty);

        var parsed = result.ShouldBeOfType<IntentParseSucceeded>();
        parsed.Parser.ShouldBe("openai");
        parsed.Intent.Operations.ShouldHaveSingleItem().OperationType.ShouldBe(OperationType.Restart);
        stub.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_bound_the_offline_parser_caught_is_not_sent_to_the_model()
    {
        var result = await Composite(withKey: true).ParseAsync("scale api to 500 in dev", ClusterContext.Empty);

        result.ShouldBeOfType<IntentParseFailed>().Kind.ShouldBe(ParseFailureKind.InvalidIntent);
        stub.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Without_a_key_free_form_text_fails_with_the_offline_reason_and_a_hint()
    {
        var result = await Composite(withKey: false).ParseAsync("give web a fresh start in staging", ClusterContext.Empty);

        var failed = result.ShouldBeOfType<IntentParseFailed>();
        failed.Parser.ShouldBe("offline");
        failed.Details.ShouldContain(d => d.Contains("OPENAI_API_KEY"));
        stub.Requests.ShouldBeEmpty();
    }
}
