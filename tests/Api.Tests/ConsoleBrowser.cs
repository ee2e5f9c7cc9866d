using System.Net;
using System.Text.RegularExpressions;

namespace K8sAgentPlatform.Api.Tests;

/// <summary>An HTTP client that speaks to the console as a browser does: cookies kept, redirects seen, forms with their antiforgery token.</summary>
internal static partial class ConsoleBrowser
{
    public static HttpClient Create(Uri address) =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(30),
        };

    /// <summary>Signs in through the form; returns the session cookie as the server set it.</summary>
    public static async Task<string> SignInAsync(HttpClient browser, string token)
    {
        var form = await browser.GetStringAsync("/ui", TestContext.Current.CancellationToken);
        var response = await PostFormAsync(browser, "/ui/sign-in", form, ("token", token));
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("k8s-agent-console=", StringComparison.Ordinal));
    }

    /// <summary>Posts a form the way the page would: with the antiforgery token the page carries.</summary>
    public static Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string path, string page, params (string Name, string Value)[] fields)
    {
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        token.ShouldNotBeEmpty();
        var content = new FormUrlEncodedContent([new("__RequestVerificationToken", WebUtility.HtmlDecode(token)), .. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))]);
        return browser.PostAsync(path, content, TestContext.Current.CancellationToken);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
