using System.Text.Encodings.Web;
using System.Text.Json;

namespace K8sAgentPlatform.Cli.Client;

/// <summary>
/// How every `--json` option prints: the API's names, and quotes, angle brackets and non-ASCII written as themselves
/// rather than as \u0022 and the like (the text goes to a terminal or a pipe, never into HTML).
/// </summary>
internal static class JsonOutput
{
    /// <summary>Lists (requests, snapshots, audit entries): one line.</summary>
    public static readonly JsonSerializerOptions Compact = new(ApiClient.Json) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One request, as `requests show` and `ask` print it.</summary>
    public static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true };
}
