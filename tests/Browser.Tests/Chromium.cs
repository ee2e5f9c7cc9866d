using OpenQA.Selenium.Chrome;

namespace K8sAgentPlatform.Browser.Tests;

/// <summary>
/// Debian's Chromium, driven by Debian's chromium-driver. Both are named by path, so Selenium never runs its
/// Selenium Manager (which would download a driver or a browser); the project leaves that binary out altogether.
/// Without them the browser tests are skipped with the reason, unless <c>K8S_AGENT_BROWSER_TESTS=required</c> (CI,
/// which installs them) turns the skip into a failure.
/// </summary>
internal static class Chromium
{
    private static int skipSaid;

    public static string BrowserPath => Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";

    public static string DriverPath => Environment.GetEnvironmentVariable("CHROMEDRIVER") ?? "/usr/bin/chromedriver";

    /// <summary>Skips the calling test (or fails it where the browser is required) when Chromium or its driver is missing.</summary>
    public static void SkipUnlessInstalled()
    {
        var missing = new[] { BrowserPath, DriverPath }.Where(path => !File.Exists(path)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var reason = $"no browser: {string.Join(" and ", missing)} not found. The browser tests drive Debian's Chromium "
            + "(apt-get install chromium chromium-driver, or set CHROMIUM and CHROMEDRIVER to their paths).";
        if (Environment.GetEnvironmentVariable("K8S_AGENT_BROWSER_TESTS") == "required")
        {
            Assert.Fail(reason);
        }

        // The runner lists a skipped test without its reason; say it (once) where a developer running `dotnet test` sees it.
        if (Interlocked.Exchange(ref skipSaid, 1) == 0)
        {
            TestContext.Current.SendDiagnosticMessage("Browser tests skipped: {0}", reason);
        }

        Assert.Skip(reason);
    }

    public static ChromeDriver Start()
    {
        SkipUnlessInstalled();
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = BrowserPath };
        options.AddArguments(
            "--headless=new", "--window-size=1280,900", "--disable-dev-shm-usage", "--lang=en-US",
            // Nothing but the platform under test: no first-run pages, component or safe-browsing updates, sync or metrics.
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--disable-default-apps", "--metrics-recording-only");
        if (Environment.UserName == "root")
        {
            options.AddArgument("--no-sandbox"); // Chromium refuses to run its sandbox as root (CI containers)
        }

        return new ChromeDriver(service, options, TimeSpan.FromSeconds(120));
    }
}
