using k8s;
using System.Net.Http.Json;
using System.Text.Json;

namespace K8sAgentPlatform.Browser.Tests;

/// <summary>The approval console at /ui in a real browser (Debian's Chromium), against the embedded platform and its sandbox.</summary>
public sealed class ApprovalConsoleTests : ConsoleTest
{
    [Fact]
    public async Task An_approver_sees_a_production_change_waiting_confirms_it_and_watches_it_complete_without_reloading()
    {
        var (platform, page) = await StartAsync();
        await platform.SettledAsync("production", "web");
        var id = await platform.SubmitAsync(ConsolePlatform.Alice, "scale web to 3 in production");
        await platform.AwaitingConfirmationAsync(id);

        page.SignIn(ConsolePlatform.Bob);
        page.Click($"section[aria-labelledby=waiting] a[href='/ui/requests/{id}']");
        page.WaitUntil(() => page.Location == $"/ui/requests/{id}", "the request's page");
        page.Live();
        page.Text("dd.state").ShouldBe("AwaitingConfirmation");
        page.Text("main").ShouldContain("alice via api");
        page.Text("article.operation h3").ShouldBe("1. scale deployment/web in production");
        page.Text("article.operation").ShouldContain("approved, needs confirmation, risk medium");
        // The diff of the server's dry run is what the approver confirms.
        page.Text("article.operation table.diff tbody").ShouldBe("spec.replicas\t2\t3");
        page.Text("section.decide button.confirm").ShouldBe("Confirm round 1");
        page.Click("section.decide form[action$='/confirm'] button.confirm");

        page.WaitUntil(() => page.Location == $"/ui/requests/{id}?done=confirmed", "the request's page after confirming");
        page.Text("p.notice[role=status]").ShouldBe("Confirmed. The request goes on.");
        page.MarkDocument();
        page.WaitUntil(() => page.Text("dd.state") == "Completed (final)", "the page to show the request Completed", seconds: 120);

        page.StillTheSameDocument().ShouldBeTrue("the page must have changed by its live update, not by a reload");
        page.FindAll("section.decide").ShouldBeEmpty();
        page.Text("main").ShouldContain("Confirmed by\nbob");
        var done = await platform.GetAsync(id);
        ConsolePlatform.State(done).ShouldBe("Completed");
        done.GetProperty("confirmed_by").EnumerateArray().Select(e => e.GetString()).ShouldBe(["bob"]);
        (await platform.Cluster.AppsV1.ReadNamespacedDeploymentAsync("web", "production", cancellationToken: TestContext.Current.CancellationToken))
            .Spec.Replicas.ShouldBe(3);
    }

    [Fact]
    public async Task The_requesters_own_confirm_of_a_four_eyes_change_is_refused_on_the_page_and_the_request_still_waits()
    {
        var (platform, page) = await StartAsync();
        await platform.SettledAsync("production", "api");
        // An image update in production is high risk: from high on, policy wants a second person (four eyes).
        var id = await platform.SubmitAsync(ConsolePlatform.Bob, "kubectl set image deployment/api api=registry.k8s.io/example/api:1.5.0 -n production");
        (await platform.AwaitingConfirmationAsync(id)).GetProperty("requires_second_person").GetBoolean().ShouldBeTrue();

        page.SignIn(ConsolePlatform.Bob);
        page.FindAll($"section[aria-labelledby=waiting] a[href='/ui/requests/{id}']").ShouldBeEmpty("bob's own four-eyes request is not waiting for bob");
        page.Click($"section[aria-labelledby=recent] a[href='/ui/requests/{id}']");
        page.WaitUntil(() => page.Location == $"/ui/requests/{id}", "the request's page");
        page.Live();
        page.Text("section.decide").ShouldContain("You submitted this request and policy requires a second person");
        page.Click("section.decide form[action$='/confirm'] button.confirm");

        page.WaitUntil(() => page.FindAll("p.error[role=alert]").Count == 1, "the refusal on the page");
        var error = page.Text("p.error[role=alert]");
        error.ShouldContain("second person");
        error.ShouldEndWith("Nothing changed.");
        page.Text("dd.state").ShouldBe("AwaitingConfirmation");
        var still = await platform.GetAsync(id);
        ConsolePlatform.State(still).ShouldBe("AwaitingConfirmation");
        still.GetProperty("confirmed_by").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task A_request_that_fails_shows_its_evidence_and_its_rollback()
    {
        var (platform, page) = await StartAsync();
        await platform.SettledAsync("staging", "web");
        // `k8s-agent demo`'s third step: an image the sandbox cannot pull.
        var id = await platform.SubmitAsync(ConsolePlatform.Alice, "kubectl set image deployment/web web=registry.k8s.io/example/web:does-not-exist -n staging");
        var view = await platform.WaitForAsync(id, v => ConsolePlatform.State(v) == "AwaitingConfirmation" || v.GetProperty("final").GetBoolean(), "waiting or final");
        if (ConsolePlatform.State(view) == "AwaitingConfirmation")
        {
            await platform.ConfirmAsync(ConsolePlatform.Carol, id);
        }

        var ended = await platform.WaitForAsync(id, v => v.GetProperty("final").GetBoolean(), "final", seconds: 120);
        ConsolePlatform.State(ended).ShouldBe("RolledBack", ended.ToString());

        page.SignIn(ConsolePlatform.Bob);
        page.Go($"/ui/requests/{id}");
        page.Text("dd.state").ShouldBe("RolledBack (final)");
        var happened = page.Text("section[aria-labelledby=evidence]");
        happened.ShouldContain("operation 1: failed");
        happened.ShouldContain("rolled back operation 1 from snapshot");
        var evidence = page.FindAll("section[aria-labelledby=evidence] ul.evidence li").Select(e => e.Text).ToList();
        evidence.ShouldNotBeEmpty();
        evidence.ShouldContain(line => line.Contains("ImagePullBackOff", StringComparison.Ordinal), string.Join("\n", evidence));
    }

    [Fact]
    public async Task Signing_out_ends_the_session_and_the_console_asks_to_sign_in_again()
    {
        var (_, page) = await StartAsync();
        page.SignIn(ConsolePlatform.Bob);
        page.Text("form.who").ShouldStartWith("bob (approver)");
        page.Driver.Manage().Cookies.GetCookieNamed("k8s-agent-console").ShouldNotBeNull();

        page.Click("form.who button[type=submit]");
        page.WaitUntil(() => page.Location == "/ui" && page.FindAll("input#token").Count == 1, "the sign-in page after signing out");
        page.Driver.Manage().Cookies.GetCookieNamed("k8s-agent-console").ShouldBeNull();

        page.Go("/ui/requests");
        page.WaitUntil(() => page.Location.StartsWith("/ui/sign-in?ReturnUrl=", StringComparison.Ordinal), "the redirect to sign-in");
        page.FindAll("input#token").Count.ShouldBe(1);
        page.FindAll("nav").ShouldBeEmpty();
        page.Text("main").ShouldNotContain("Waiting for me");
    }

    [Fact]
    public async Task A_confirm_posted_without_the_antiforgery_token_is_refused_and_changes_nothing()
    {
        var (platform, page) = await StartAsync();
        await platform.SettledAsync("production", "web");
        var id = await platform.SubmitAsync(ConsolePlatform.Alice, "scale web to 3 in production");
        await platform.AwaitingConfirmationAsync(id);
        page.SignIn(ConsolePlatform.Bob);
        page.Go($"/ui/requests/{id}");

        // What a form on another site looks like to the platform: the session cookie (sent by the browser), no token.
        // Removed and clicked in one script, so no live update can put the field back in between.
        var removed = page.Driver.ExecuteScript("""
            const form = document.querySelector("section.decide form[action$='/confirm']");
            const field = form && form.querySelector("input[name='__RequestVerificationToken']");
            if (!field) return false;
            field.remove();
            form.querySelector('button.confirm').click();
            return true;
            """);
        removed.ShouldBe(true);

        page.WaitUntil(() => page.FindAll("h1").Any(h => h.Text == "Refused"), "the refusal");
        page.Text("main").ShouldContain("Nothing changed.");
        var still = await platform.GetAsync(id);
        ConsolePlatform.State(still).ShouldBe("AwaitingConfirmation");
        still.GetProperty("confirmed_by").GetArrayLength().ShouldBe(0);
        using var api = platform.Api(ConsolePlatform.Alice);
        var audit = await api.GetFromJsonAsync<JsonElement>("/api/audit", TestContext.Current.CancellationToken);
        audit.EnumerateArray().ShouldContain(e => e.GetProperty("action").GetString() == "denied" && e.GetProperty("principal").GetString() == "bob"
            && e.GetProperty("detail").GetString()!.Contains("antiforgery", StringComparison.Ordinal));

        page.Go($"/ui/requests/{id}");
        page.Text("section.decide button.confirm").ShouldBe("Confirm round 1");
    }
}
