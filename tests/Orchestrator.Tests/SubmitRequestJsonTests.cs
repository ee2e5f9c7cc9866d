using System.Text.Json;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Orchestrator.Consumers;
using MassTransit;
using MassTransit.Serialization;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace K8sAgentPlatform.Orchestrator.Tests;

/// <summary>The submit-request-json endpoint: plain JSON bodies checked field by field, forwarded as SubmitRequest.</summary>
public sealed class SubmitRequestJsonTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The broker user RabbitMQ validated as the publisher (the message's user_id).</summary>
    private const string Publisher = "ci-publisher";

    private static Dictionary<string, JsonElement> Body(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Fact]
    public void A_body_becomes_a_SubmitRequest_from_the_bus_whose_principal_is_the_broker_user_and_the_bodys_principal_is_on_behalf_of()
    {
        var (request, errors) = SubmitRequestJsonConsumer.Read(
            Body("""{"requestId":"8d1c3a52-5b1e-4c55-9f6e-2f0a4f8e1b7d","text":"scale api to 2 in staging","principal":"ci-pipeline","source":"api"}"""), Publisher, Now);

        errors.ShouldBeEmpty();
        request.ShouldBe(new SubmitRequest
        {
            RequestId = Guid.Parse("8d1c3a52-5b1e-4c55-9f6e-2f0a4f8e1b7d"),
            Text = "scale api to 2 in staging",
            Principal = Publisher,
            OnBehalfOf = "ci-pipeline",
            Source = "bus",
            SubmittedAt = Now,
        });
    }

    [Fact]
    public void A_publisher_asking_in_its_own_name_asks_on_behalf_of_no_one()
    {
        var (request, errors) = SubmitRequestJsonConsumer.Read(
            Body($$"""{"requestId":"{{Guid.NewGuid()}}","text":"restart web in dev","principal":"{{Publisher}}"}"""), Publisher, Now);

        errors.ShouldBeEmpty();
        request!.Principal.ShouldBe(Publisher);
        request.OnBehalfOf.ShouldBeNull();
    }

    [Theory]
    [InlineData("system")]
    [InlineData("System")]
    [InlineData("alertmanager:web-down")]
    [InlineData("Alertmanager:anything")]
    public void A_publisher_may_not_ask_in_a_name_of_the_platform(string name)
    {
        var body = Body($$"""{"requestId":"{{Guid.NewGuid()}}","text":"restart web in dev","principal":"{{name}}"}""");

        var (request, errors) = SubmitRequestJsonConsumer.Read(body, Publisher, Now);
        var (asUser, userErrors) = SubmitRequestJsonConsumer.Read(Body($$"""{"requestId":"{{Guid.NewGuid()}}","text":"restart web in dev","principal":"bob"}"""), name, Now);

        request.ShouldBeNull();
        errors.ShouldHaveSingleItem().ShouldContain("the platform's own names");
        asUser.ShouldBeNull();
        userErrors.ShouldHaveSingleItem().ShouldContain("has the name of the platform itself");
    }

    [Fact]
    public void Property_names_are_read_without_regard_to_case_and_dry_run_is_kept()
    {
        var (request, errors) = SubmitRequestJsonConsumer.Read(
            Body("""{"RequestId":"8d1c3a52-5b1e-4c55-9f6e-2f0a4f8e1b7d","Text":"restart web in dev","Principal":"bot","DryRun":true}"""), Publisher, Now);

        errors.ShouldBeEmpty();
        request!.DryRun.ShouldBeTrue();
        request.Text.ShouldBe("restart web in dev");
    }

    [Fact]
    public void An_intent_in_its_json_form_is_read_and_validated_like_the_api_reads_it()
    {
        var intent = """
            {"operations":[{"operation_type":"scale","resource_type":"deployment","resource_name":"api","namespace":"staging",
              "parameters":{"replicas":2},"reason":"scale down after the load test","requires_confirmation":false}],
             "summary":"scale api down to two replicas","estimated_risk_level":"low","original_request":"scale api to 2 in staging"}
            """;

        var (request, errors) = SubmitRequestJsonConsumer.Read(Body($$"""{"requestId":"{{Guid.NewGuid()}}","principal":"portal","intent":{{intent}}}"""), Publisher, Now);
        var (_, badErrors) = SubmitRequestJsonConsumer.Read(Body($$$"""{"requestId":"{{{Guid.NewGuid()}}}","principal":"portal","intent":{"operations":[]}}"""), Publisher, Now);

        errors.ShouldBeEmpty();
        request!.Intent!.Operations.ShouldHaveSingleItem().ResourceName.ShouldBe("api");
        badErrors.ShouldNotBeEmpty();
        badErrors.ShouldAllBe(e => e.StartsWith("'intent"));
    }

    [Fact]
    public void An_empty_object_is_rejected_naming_every_missing_field()
    {
        var (request, errors) = SubmitRequestJsonConsumer.Read(Body("{}"), Publisher, Now);

        request.ShouldBeNull();
        errors.Count.ShouldBe(3);
        errors[0].ShouldContain("'requestId' must be a non-empty UUID");
        errors[1].ShouldContain("'principal' must name who asks");
        errors[2].ShouldContain("exactly one of 'text'");
    }

    [Theory]
    [InlineData("""{"requestId":"00000000-0000-0000-0000-000000000000","text":"restart web in dev","principal":"bot"}""", "'requestId' must be a non-empty UUID")]
    [InlineData("""{"requestId":"not-a-guid","text":"restart web in dev","principal":"bot"}""", "'requestId' must be a non-empty UUID")]
    [InlineData("""{"requestId":"8d1c3a52-5b1e-4c55-9f6e-2f0a4f8e1b7d","text":"restart web in dev","principal":"  "}""", "'principal' must name who asks")]
    [InlineData("""{"requestId":"8d1c3a52-5b1e-4c55-9f6e-2f0a4f8e1b7d","text":"","principal":"bot"}""", "'text' must be a non-empty string")]
    [InlineData("""{"requestId":"8d1c3a52-5b1e-4c55-9f6e-2f0a4f8e1b7d","text":"restart web in dev","intent":{},"principal":"bot"}""", "exactly one of 'text'")]
    [InlineData("""{"requestId":"8d1c3a52-5b1e-4c55-9f6e-2f0a4f8e1b7d","text":"restart web in dev","principal":"bot","dryRun":"yes"}""", "'dryRun' must be true or false")]
    [InlineData("""{"requestId":"8d1c3a52-5b1e-4c55-9f6e-2f0a4f8e1b7d","txt":"restart web in dev","principal":"bot"}""", "unknown property 'txt'")]
    [InlineData("""{"requestId":"8d1c3a52-5b1e-4c55-9f6e-2f0a4f8e1b7d","text":"restart web in dev","Text":"delete it","principal":"bot"}""", "property 'Text' appears twice")]
    public void A_body_that_is_not_a_valid_request_is_rejected_with_the_reason(string json, string reason)
    {
        var (request, errors) = SubmitRequestJsonConsumer.Read(Body(json), Publisher, Now);

        request.ShouldBeNull();
        errors.ShouldContain(e => e.Contains(reason));
    }

    [Fact]
    public void Text_longer_than_the_bound_is_rejected() =>
        SubmitRequestJsonConsumer.Read(Body($$"""{"requestId":"{{Guid.NewGuid()}}","principal":"bot","text":"{{new string('a', 2001)}}"}"""), Publisher, Now)
            .Errors.ShouldHaveSingleItem().ShouldContain("at most 2000 characters");

    [Fact]
    public async Task Plain_json_without_a_broker_validated_user_id_is_refused_and_starts_nothing()
    {
        // The in-memory bus (serve) has no broker to vouch for a publisher: there is no user_id, whatever the body says.
        await using var provider = new ServiceCollection()
            .AddSingleton(TimeProvider.System)
            .AddMassTransitTestHarness(x => x.AddConsumer<SubmitRequestJsonConsumer, SubmitRequestJsonConsumerDefinition>())
            // The default inactivity limit (about a second) is shorter than a loaded machine may take to deliver a
            // message; the final Select of everything published waits for this much quiet to be complete.
            .Configure<TestHarnessOptions>(o =>
            {
                o.TestTimeout = TimeSpan.FromSeconds(60);
                o.TestInactivityTimeout = TimeSpan.FromSeconds(5);
            })
            .BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var ct = TestContext.Current.CancellationToken;
        var endpoint = await harness.Bus.GetSendEndpoint(new Uri($"queue:{Endpoints.SubmitRequestJson}"));
        var id = Guid.NewGuid();

        await SendRawAsync(endpoint, new ForeignSubmission(id.ToString(), "scale api to 2 in staging", "ci-pipeline"));

        (await harness.Consumed.Any<SubmitRequestJsonBody>(ct)).ShouldBeTrue();
        harness.Published.Select<SubmitRequest>(ct).ShouldBeEmpty();
        await harness.Stop(ct);
    }

    /// <summary>Serialized alone, content type application/json, no MassTransit envelope: what a foreign publisher sends.</summary>
    private static Task SendRawAsync<T>(ISendEndpoint endpoint, T body) where T : class =>
        endpoint.Send(body, context =>
        {
            context.Serializer = new SystemTextJsonRawMessageSerializer(RawSerializerOptions.AnyMessageType);
            context.ContentType = SystemTextJsonRawMessageSerializer.JsonContentType;
        }, TestContext.Current.CancellationToken);

    /// <summary>Serializes as <c>{"requestId":..,"text":..,"principal":..}</c>.</summary>
    public sealed record ForeignSubmission(string RequestId, string Text, string Principal);
}
