namespace K8sAgentPlatform.Browser.Tests;

/// <summary>Every page of the console through axe-core, each kept as a screenshot (the test's artifacts).</summary>
public sealed class AccessibilityTests : ConsoleTest
{
    [Fact]
    public async Task Every_page_of_the_console_has_no_serious_or_critical_axe_violations()
    {
        var (platform, page) = await StartAsync();
        // Something on every page: a completed change (with its snapshot to roll back to) and one waiting for bob.
        var done = await platform.SubmitAsync(ConsolePlatform.Alice, "scale api to 2 in staging");
        ConsolePlatform.State(await platform.WaitForAsync(done, v => v.GetProperty("final").GetBoolean(), "final")).ShouldBe("Completed");
        await platform.SettledAsync("production", "web");
        var waiting = await platform.SubmitAsync(ConsolePlatform.Alice, "scale web to 3 in production");
        await platform.AwaitingConfirmationAsync(waiting);
        var violations = new List<AxeViolation>();

        page.Go("/ui");
        page.FindAll("input#token").Count.ShouldBe(1);
        Check("sign-in");

        page.SignIn(ConsolePlatform.Bob);
        page.FindAll($"section[aria-labelledby=waiting] a[href='/ui/requests/{waiting}']").Count.ShouldBe(1);
        Check("requests");

        page.Go($"/ui/requests/{waiting}");
        page.FindAll("section.decide button.confirm").Count.ShouldBe(1);
        Check("request");

        page.Go("/ui/snapshots");
        page.FindAll("button[aria-label^='Roll back to snapshot']").ShouldNotBeEmpty();
        Check("snapshots");

        page.Go("/ui/audit");
        page.Text("p.notice[role=status]").ShouldStartWith("The chain verifies");
        Check("audit");

        foreach (var violation in violations)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(violation.ToString());
        }

        violations.Where(v => v.Serious).ShouldBeEmpty(string.Join("\n", violations.Where(v => v.Serious)));

        void Check(string name)
        {
            violations.AddRange(page.Axe());
            page.Screenshot("console-" + name);
        }
    }
}
