using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace K8sAgentPlatform.Remediation.Tests;

public sealed class WebhookPlatformFixture : IAsyncLifetime
{
    internal TestPlatform Platform { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Platform = await TestPlatform.StartAsync("""
        rules:
          - name: orders-restart
            matchers: ['alertname="OrderSagaStuck"', 'service="orders"']
            text: "restart deployment {{ $labels.service }} in staging"
            operation_type: restart
            auto_confirm: false
        """);

    public async ValueTask DisposeAsync() => await Platform.DisposeAsync();
}

public sealed class WebhookTests(WebhookPlatformFixture fixture) : IClassFixture<WebhookPlatformFixture>
{
    // Copies of bodies Debian's Alertmanager 0.25 sent (the team's fixtures/alertmanager).
    private static string Firing => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "firing.json"));
    private static string Resolved => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "resolved.json"));

    private TestPlatform Platform => fixture.Platform;

    private async Task<HttpResponseMessage> Post(string? token, string body, string contentType = "application/json") =>
        await Platform.Client(token).PostAsync("/webhooks/alertmanager", new StringContent(body, Encoding.UTF8, contentType));

    private async Task ShouldChangeNothing(Func<Task<HttpResponseMessage>> call, HttpStatusCode status)
    {
        var before = (await Platform.RequestsAsync()).Count;
        var alertsBefore = Platform.Coordinator.Outcomes.Values.Sum();
        var inFlightBefore = Platform.Coordinator.InFlight.Count;

        using var response = await call();

        response.StatusCode.ShouldBe(status);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("title").GetString().ShouldNotBeNullOrEmpty();
        problem.GetProperty("detail").GetString().ShouldNotBeNullOrEmpty();
        (await Platform.RequestsAsync()).Count.ShouldBe(before);
        Platform.Coordinator.Outcomes.Values.Sum().ShouldBe(alertsBefore);
        Platform.Coordinator.InFlight.Count.ShouldBe(inFlightBefore);
    }

    [Fact]
    public Task A_call_without_a_token_is_401_and_changes_nothing() =>
        ShouldChangeNothing(() => Post(null, Firing), HttpStatusCode.Unauthorized);

    [Fact]
    public Task A_wrong_token_is_401_and_changes_nothing() =>
        ShouldChangeNothing(() => Post("k8sa_not-the-webhook-token", Firing), HttpStatusCode.Unauthorized);

    [Fact]
    public Task An_api_token_even_an_admins_is_403_at_the_webhook() =>
        ShouldChangeNothing(() => Post(TestPlatform.AdminToken, Firing), HttpStatusCode.Forbidden);

    [Fact]
    public async Task The_webhook_token_does_not_open_the_api()
    {
        using var response = await Platform.Client(TestPlatform.WebhookToken).GetAsync("/api/requests");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public Task A_body_of_another_payload_version_is_400_and_changes_nothing()
    {
        var body = JsonNode.Parse(Firing)!;
        body["version"] = "3";
        return ShouldChangeNothing(() => Post(TestPlatform.WebhookToken, body.ToJsonString()), HttpStatusCode.BadRequest);
    }

    [Fact]
    public Task Malformed_json_is_400_and_changes_nothing() =>
        ShouldChangeNothing(() => Post(TestPlatform.WebhookToken, Firing[..(Firing.Length / 2)]), HttpStatusCode.BadRequest);

    [Fact]
    public Task An_alert_without_a_fingerprint_is_400_and_changes_nothing()
    {
        var body = JsonNode.Parse(Firing)!;
        body["alerts"]![0]!.AsObject().Remove("fingerprint");
        return ShouldChangeNothing(() => Post(TestPlatform.WebhookToken, body.ToJsonString()), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_resolved_notification_is_accepted_and_acts_on_nothing()
    {
        var before = (await Platform.RequestsAsync()).Count;

        using var response = await Post(TestPlatform.WebhookToken, Resolved);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        result.GetProperty("decisions")[0].GetProperty("outcome").GetString().ShouldBe("resolved");
        (await Platform.RequestsAsync()).Count.ShouldBe(before);
    }

    [Fact]
    public async Task A_real_alertmanager_body_submits_a_request_over_the_bus_as_the_rule()
    {
        var body = JsonNode.Parse(Firing)!;
        body["alerts"]![0]!["fingerprint"] = "00000000000000aa";

        using var response = await Post(TestPlatform.WebhookToken, body.ToJsonString());

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var decision = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("decisions")[0];
        decision.GetProperty("outcome").GetString().ShouldBe("submitted");
        var id = decision.GetProperty("request_id").GetGuid();
        // The request went over the bus like any system's, so the API knows it once the saga has taken it up.
        await Eventually.HoldsAsync(async () => await Platform.Store.LoadAsync(id) is not null, TimeSpan.FromSeconds(30), "the saga took the request up");
        using var view = await Platform.Client(TestPlatform.AdminToken).GetAsync($"/api/requests/{id}");
        view.StatusCode.ShouldBe(HttpStatusCode.OK);
        var request = await view.Content.ReadFromJsonAsync<JsonElement>();
        request.GetProperty("principal").GetString().ShouldBe("alertmanager:orders-restart");
        request.GetProperty("source").GetString().ShouldBe("alertmanager");
        // The saga finishes it asynchronously (policy rejects it: there is no deployment "orders") and RequestFinished ends
        // the remediation; the other tests count requests and outcomes, so let it end before the next test starts.
        await Eventually.HoldsAsync(() => Platform.Coordinator.InFlight.All(r => r.RequestId != id), TimeSpan.FromSeconds(30),
            "the remediation left the in-flight set");
    }

    [Fact]
    public async Task The_remediation_state_is_readable_with_an_api_token_and_clearing_holds_is_audited()
    {
        using var admin = Platform.Client(TestPlatform.AdminToken);

        using var state = await admin.GetAsync("/api/remediations");
        using var cleared = await admin.PostAsync("/api/remediations/clear?rule=orders-restart", null);
        using var unknown = await admin.PostAsync("/api/remediations/clear?rule=nope", null);
        using var anonymous = await Platform.Client(TestPlatform.WebhookToken).PostAsync("/api/remediations/clear", null);

        state.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await state.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rules")[0].GetString().ShouldBe("orders-restart");
        cleared.StatusCode.ShouldBe(HttpStatusCode.OK);
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
