using System.Text.Json;
using Deque.AxeCore.Commons;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace K8sAgentPlatform.Browser.Tests;

/// <summary>The console in one browser: navigation, waits on the page's own DOM (never sleeps), axe and screenshots.</summary>
internal sealed class ConsolePage(ChromeDriver driver, string baseUrl) : IDisposable
{
    private static readonly Lazy<string> AxeScript = new(() => new BundledAxeScriptProvider().GetScript());

    public ChromeDriver Driver => driver;

    /// <summary>Where this run's screenshots are kept (next to the test assembly, e.g. bin/Debug/net10.0/screenshots).</summary>
    public static string ScreenshotDirectory { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "screenshots");

    public string Location => new Uri(driver.Url).PathAndQuery;

    public void Go(string path)
    {
        driver.Navigate().GoToUrl(baseUrl + path);
        Live();
    }

    /// <summary>
    /// Waits until a live page's update stream is open and the page has caught up with it (the console's script marks
    /// &lt;main data-live-state="live"&gt;), so that no swap of &lt;main&gt; is still to come from the page having loaded.
    /// </summary>
    public void Live() => WaitUntil(() => driver.ExecuteScript("""
        const main = document.getElementById('main');
        return document.readyState === 'complete' && (!main || !main.dataset.live || main.dataset.liveState === 'live');
        """) is true, "the page's live updates to start");

    public IWebElement Find(string css) => driver.FindElement(By.CssSelector(css));

    public IReadOnlyList<IWebElement> FindAll(string css) => driver.FindElements(By.CssSelector(css));

    /// <summary>The text of the first element matching <paramref name="css"/>, read in one step (a swap of &lt;main&gt; cannot make it stale).</summary>
    public string Text(string css) => driver.ExecuteScript("const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : null;", css) as string
        ?? throw new ShouldAssertException($"nothing matches {css} on {Location}:\n{driver.PageSource}");

    /// <summary>Clicks the first element matching <paramref name="css"/>, finding it again if a live update replaced it meanwhile.</summary>
    public void Click(string css) => WaitUntil(() =>
    {
        Find(css).Click();
        return true;
    }, $"{css} to be clickable");

    public void SignIn(string token)
    {
        Go("/ui");
        Find("input#token").SendKeys(token);
        Click("form[action^='/ui/sign-in'] button[type=submit]");
        WaitUntil(() => Location.StartsWith("/ui/requests", StringComparison.Ordinal) && FindAll("form.who").Count == 1, "signed in on the requests page");
        Live();
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds on the page; elements replaced meanwhile (the live update swaps
    /// &lt;main&gt;) or not there yet count as "not yet".
    /// </summary>
    public void WaitUntil(Func<bool> condition, string what, int seconds = 30)
    {
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(seconds)) { PollingInterval = TimeSpan.FromMilliseconds(100) };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        try
        {
            wait.Until(_ => condition());
        }
        catch (WebDriverTimeoutException)
        {
            var main = FindAll("main").FirstOrDefault()?.Text ?? driver.PageSource;
            throw new ShouldAssertException($"waited {seconds} s for {what}; the page at {Location} shows:\n{main}");
        }
    }

    /// <summary>Marks the loaded document; <see cref="StillTheSameDocument"/> then tells a live update from a reload or navigation.</summary>
    public void MarkDocument() => driver.ExecuteScript("window.__sameDocument = true;");

    public bool StillTheSameDocument() => driver.ExecuteScript("return window.__sameDocument === true;") is true;

    /// <summary>axe-core (the copy bundled in Deque.AxeCore.Commons, injected into the page; nothing fetched) on the whole page.</summary>
    public IReadOnlyList<AxeViolation> Axe()
    {
        driver.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromSeconds(60);
        driver.ExecuteScript(AxeScript.Value);
        var json = (string?)driver.ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
              .then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify({ error: String(e) })));
            """);
        var parsed = JsonDocument.Parse(json ?? "{\"error\":\"no answer\"}").RootElement;
        if (parsed.ValueKind == JsonValueKind.Object)
        {
            throw new ShouldAssertException($"axe did not run on {Location}: {parsed.GetProperty("error").GetString()}");
        }

        return parsed.EnumerateArray().Select(v => new AxeViolation(
            Location,
            v.GetProperty("id").GetString()!,
            v.GetProperty("impact").GetString() ?? "unknown",
            v.GetProperty("help").GetString()!,
            v.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("target").ToString()).ToList())).ToList();
    }

    /// <summary>A screenshot of the whole page, kept as a file and attached to the test's results; returns its path.</summary>
    public string Screenshot(string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var height = Convert.ToInt32(driver.ExecuteScript("return Math.ceil(document.documentElement.scrollHeight);"), System.Globalization.CultureInfo.InvariantCulture);
        var size = driver.Manage().Window.Size;
        driver.Manage().Window.Size = new System.Drawing.Size(size.Width, Math.Clamp(height, 600, 4000));
        try
        {
            var shot = driver.GetScreenshot();
            var file = Path.Combine(ScreenshotDirectory, name + ".png");
            shot.SaveAsFile(file);
            TestContext.Current.AddAttachment(name + ".png", shot.AsByteArray, "image/png");
            TestContext.Current.SendDiagnosticMessage("screenshot: {0}", file);
            return file;
        }
        finally
        {
            driver.Manage().Window.Size = size;
        }
    }

    public void Dispose() => driver.Quit();
}

internal sealed record AxeViolation(string Page, string Rule, string Impact, string Help, IReadOnlyList<string> Targets)
{
    public bool Serious => Impact is "serious" or "critical";

    public override string ToString() => $"{Page}: [{Impact}] {Rule}: {Help} ({string.Join(", ", Targets)})";
}
