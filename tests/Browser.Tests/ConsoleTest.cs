using OpenQA.Selenium;

namespace K8sAgentPlatform.Browser.Tests;

/// <summary>One platform and one browser per test; a failed test leaves a screenshot of where it stood.</summary>
public abstract class ConsoleTest : IAsyncLifetime
{
    private ConsolePlatform? platform;
    private ConsolePage? page;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (page is not null)
        {
            if (TestContext.Current.TestState?.Result == TestResult.Failed)
            {
                try
                {
                    page.Screenshot("failed-" + TestContext.Current.TestMethod?.MethodName);
                }
                catch (WebDriverException)
                {
                }
            }

            page.Dispose();
        }

        if (platform is not null)
        {
            await platform.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Skips the test (with the reason) when there is no Chromium; otherwise starts the platform and a browser.</summary>
    private protected async Task<(ConsolePlatform Platform, ConsolePage Page)> StartAsync()
    {
        Chromium.SkipUnlessInstalled();
        platform = await ConsolePlatform.StartAsync();
        page = new ConsolePage(Chromium.Start(), platform.Url);
        return (platform, page);
    }
}
