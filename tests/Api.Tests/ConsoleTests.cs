using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using K8sAgentPlatform.Contracts;
using static K8sAgentPlatform.Api.Tests.ApiHost;

namespace K8sAgentPlatform.Api.Tests;

/// <summary>
/// The approval console over real HTTP as a browser speaks it (forms, cookies, redirects): sign-in, the checks the API
/// makes, antiforgery, headers, and the session that only the console accepts. Browser-driven tests are in Browser.Tests.
/// </summary>
public sealed class ConsoleTests : IAsyncLifetime
{
    private const string Csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private ApiHost host = null!;

    public async ValueTask InitializeAsync() => host = await ApiHost.StartAsync();

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task The_console_answers_with_a_sign_in_form_and_a_strict_content_security_policy()
    {
        using var browser = Browser();

        var response = await browser.GetAsync("/ui", TestContext.Current.CancellationToken);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("Content-Security-Policy").Single().ShouldBe(Csp);
        response.Headers.GetValues("X-Frame-Options").Single().ShouldBe("DENY");
        html.ShouldContain("<form method=\"post\" action=\"/ui/sign-in\"");
        html.ShouldContain("<label for=\"token\">API token</label>");
        html.ShouldNotContain("<script>"); // no inline script: the CSP would refuse it
        (await browser.GetAsync("/ui/app.js", TestContext.Current.CancellationToken)).Content.Headers.ContentType!.MediaType.ShouldBe("text/javascript");
    }

    [Fact]
    public async Task An_approver_signs_in_sees_the_change_waiting_and_confirms_it_through_the_same_checks_as_the_api()
    {
        var id = await SubmitAsync(Tokens.Alice, "restart web in production");
        await host.WaitFor(id, "AwaitingConfirmation");
        using var bob = Browser();
        var cookie = await SignInAsync(bob, Tokens.Bob);

        cookie.ShouldContain("httponly", Case.Insensitive);
        cookie.ShouldContain("samesite=strict", Case.Insensitive);
        var waiting = await bob.GetStringAsync("/ui/requests", TestContext.Current.CancellationToken);
        waiting.ShouldContain($"href=\"/ui/requests/{id}\"");
        var page = await bob.GetStringAsync($"/ui/requests/{id}", TestContext.Current.CancellationToken);
        page.ShouldContain("Confirm round 1");
        page.ShouldContain("Operations and policy");

        var confirmed = await PostFormAsync(bob, $"/ui/requests/{id}/confirm", page, ("round", "1"));

        confirmed.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        confirmed.Headers.Location!.ToString().ShouldBe($"/ui/requests/{id}?done=confirmed");
        var sent = host.Published.Of<ConfirmRequest>().ShouldHaveSingleItem();
        sent.Principal.ShouldBe("bob");
        sent.Round.ShouldBe(1);
        (await host.WaitFor(id, "Completed")).ConfirmedBy.ShouldBe(["bob"]);
        (await bob.GetStringAsync($"/ui/requests/{id}", TestContext.Current.CancellationToken)).ShouldContain("Completed (final)");
    }

    [Fact]
    public async Task The_requesters_own_confirm_of_a_four_eyes_change_is_refused_on_the_page_and_changes_nothing()
    {
        var id = await SubmitAsync(Tokens.Bob, "cordon node worker-1");
        await host.WaitFor(id, "AwaitingConfirmation");
        using var bob = Browser();
        await SignInAsync(bob, Tokens.Bob);
        var page = await bob.GetStringAsync($"/ui/requests/{id}", TestContext.Current.CancellationToken);
        page.ShouldContain("another approver must confirm it");

        var refused = await PostFormAsync(bob, $"/ui/requests/{id}/confirm", page, ("round", "1"));
        var html = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        html.ShouldContain("<p class=\"error\" role=\"alert\">");
        html.ShouldContain("needs a second person");
        html.ShouldContain("Nothing changed.");
        host.Published.Of<ConfirmRequest>().ShouldBeEmpty();
        (await host.Audit.ReadAsync(new(id))).ShouldContain(e => e.Action == "denied" && e.Principal == "bob");
        (await host.Store.LoadAsync(id))!.CurrentState.ShouldBe("AwaitingConfirmation");

        // A stale page (another round) is refused the same way the API refuses it.
        var stale = await PostFormAsync(bob, $"/ui/requests/{id}/confirm", page, ("round", "2"));
        stale.StatusCode.ShouldBe(HttpStatusCode.Forbidden); // four-eyes is checked first
    }

    [Fact]
    public async Task A_form_posted_without_the_antiforgery_token_changes_nothing()
    {
        var id = await SubmitAsync(Tokens.Alice, "restart web in production");
        await host.WaitFor(id, "AwaitingConfirmation");
        using var bob = Browser();
        await SignInAsync(bob, Tokens.Bob);

        var forged = await bob.PostAsync($"/ui/requests/{id}/confirm",
            new FormUrlEncodedContent([new("round", "1")]), TestContext.Current.CancellationToken);

        forged.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await forged.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain("Nothing changed.");
        host.Published.Of<ConfirmRequest>().ShouldBeEmpty();
        (await host.Store.LoadAsync(id))!.CurrentState.ShouldBe("AwaitingConfirmation");
        (await host.Audit.ReadAsync(new())).ShouldContain(e => e.Action == "denied" && e.Principal == "bob" && e.Detail!.Contains("antiforgery"));
    }

    [Fact]
    public async Task Signing_out_ends_the_session_and_a_wrong_token_signs_nobody_in()
    {
        using var victor = Browser();
        var sessionCookie = await SignInAsync(victor, Tokens.Victor);
        var requests = await victor.GetStringAsync("/ui/requests", TestContext.Current.CancellationToken);
        requests.ShouldContain("victor (viewer)");
        requests.ShouldContain("Only approvers confirm requests");

        var signedOut = await PostFormAsync(victor, "/ui/sign-out", requests);
        signedOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var after = await victor.GetAsync("/ui/requests", TestContext.Current.CancellationToken);
        after.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        after.Headers.Location!.ToString().ShouldStartWith($"{host.Address.ToString().TrimEnd('/')}/ui/sign-in");

        // A copy of the cookie taken before signing out no longer opens anything: the session ended on the server.
        using var copy = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = host.Address };
        var replay = new HttpRequestMessage(HttpMethod.Get, "/ui/requests");
        replay.Headers.Add("Cookie", sessionCookie.Split(';')[0]);
        var replayed = await copy.SendAsync(replay, TestContext.Current.CancellationToken);
        replayed.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        replayed.Headers.Location!.AbsolutePath.ShouldBe("/ui/sign-in");

        using var stranger = Browser();
        var form = await stranger.GetStringAsync("/ui", TestContext.Current.CancellationToken);
        var wrong = await PostFormAsync(stranger, "/ui/sign-in", form, ("token", "k8sa_not-a-token"));
        wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await wrong.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain("That token is not valid");
        wrong.Headers.Contains("Set-Cookie").ShouldBe(wrong.Headers.TryGetValues("Set-Cookie", out var set) && set.All(c => !c.StartsWith("k8s-agent-console=", StringComparison.Ordinal)));
        var audit = await host.Audit.ReadAsync(new());
        audit.Select(e => e.Action).ShouldContain("console-sign-in");
        audit.Select(e => e.Action).ShouldContain("console-sign-out");
    }

    [Fact]
    public async Task The_session_cookie_opens_only_the_console_and_a_bearer_token_only_the_api()
    {
        using var bob = Browser();
        await SignInAsync(bob, Tokens.Bob);

        (await bob.GetAsync("/api/requests", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var bearer = Browser();
        bearer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Tokens.Bob);
        (await bearer.GetAsync("/api/requests", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var console = await bearer.GetAsync("/ui/requests", TestContext.Current.CancellationToken);
        console.StatusCode.ShouldBe(HttpStatusCode.Redirect); // to sign-in: the console reads no Authorization header
        console.Headers.Location!.AbsolutePath.ShouldBe("/ui/sign-in");
    }

    [Fact]
    public async Task Live_updates_announce_a_request_that_moves()
    {
        using var bob = Browser();
        await SignInAsync(bob, Tokens.Bob);
        using var stream = await bob.GetStreamAsync("/ui/events", TestContext.Current.CancellationToken);
        using var reader = new StreamReader(stream);
        (await reader.ReadLineAsync(TestContext.Current.CancellationToken)).ShouldBe(": connected");

        await SubmitAsync(Tokens.Alice, "restart web in production");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(20));
        string? line;
        do
        {
            line = await reader.ReadLineAsync(deadline.Token);
        }
        while (line is not null && line != "event: changed");

        line.ShouldBe("event: changed");
    }

    private HttpClient Browser() => ConsoleBrowser.Create(host.Address);

    private static Task<string> SignInAsync(HttpClient browser, string token) => ConsoleBrowser.SignInAsync(browser, token);

    private static Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string path, string page, params (string Name, string Value)[] fields) =>
        ConsoleBrowser.PostFormAsync(browser, path, page, fields);

    private async Task<Guid> SubmitAsync(string token, string text)
    {
        using var client = host.Client(token);
        var response = await client.PostAsJsonAsync("/api/requests", new { text }, TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetGuid();
    }
}
