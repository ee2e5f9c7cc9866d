using System.Globalization;
using System.Net;
using System.Text;

namespace K8sAgentPlatform.Orchestrator.Console;

/// <summary>
/// Server-rendered HTML for the console, every text encoded on the way in. No inline script or style: the page takes
/// its CSS and script from the platform itself (/ui/app.css, /ui/app.js), so the Content-Security-Policy can forbid the rest.
/// </summary>
internal sealed class Html
{
    private readonly StringBuilder text = new(8192);

    public static string Encode(string? value) => WebUtility.HtmlEncode(value ?? "");

    public static string Time(DateTimeOffset? at) => at is { } value ? value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "—";

    /// <summary>Markup written as it is: only for literals of this codebase.</summary>
    public Html Raw(string markup)
    {
        text.Append(markup);
        return this;
    }

    public Html Text(string? value)
    {
        text.Append(Encode(value));
        return this;
    }

    /// <summary>An element with encoded text content, e.g. El("td", name).</summary>
    public Html El(string tag, string? content, string? cssClass = null)
    {
        text.Append('<').Append(tag);
        if (cssClass is not null)
        {
            text.Append(" class=\"").Append(Encode(cssClass)).Append('"');
        }

        text.Append('>').Append(Encode(content)).Append("</").Append(tag).Append('>');
        return this;
    }

    public Html Link(string href, string content) => Raw($"<a href=\"{Encode(href)}\">").Text(content).Raw("</a>");

    public Html Hidden(string name, string value) => Raw($"<input type=\"hidden\" name=\"{Encode(name)}\" value=\"{Encode(value)}\">");

    public override string ToString() => text.ToString();
}
