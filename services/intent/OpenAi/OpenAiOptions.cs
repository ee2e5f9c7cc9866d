using System.ComponentModel.DataAnnotations;

namespace K8sAgentPlatform.Intent.OpenAi;

/// <summary>
/// Configuration of the OpenAI intent parser (section <c>OpenAI</c>). Any OpenAI-compatible server works
/// through <see cref="BaseUrl"/>: Ollama, vLLM, llama.cpp server, Azure OpenAI's <c>/openai/v1</c>.
/// </summary>
public sealed class OpenAiOptions
{
    public const string Section = "OpenAI";

    /// <summary>The model (or deployment) name.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Model { get; set; } = "gpt-5.5";

    /// <summary>The API root including <c>/v1</c>, e.g. <c>http://localhost:11434/v1</c>; null for api.openai.com.</summary>
    [Url]
    public string? BaseUrl { get; set; }

    /// <summary>
    /// Not required at start: without a key the parser answers NotConfigured and the offline parser keeps working.
    /// Servers that need no key accept any value.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Low for repeatable answers. Null leaves it out of the request (some reasoning models accept only their default).</summary>
    [Range(0.0, 2.0)]
    public float? Temperature { get; set; } = 0.1f;

    [Range(1, 128_000)]
    public int MaxOutputTokens { get; set; } = 2000;

    /// <summary>Per attempt; a timed-out attempt is retried like a 5xx.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:10:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true)]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after the first attempt for 429, 5xx, connection failures and timeouts.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ApiKey) && !string.IsNullOrWhiteSpace(Model);

    /// <summary>The endpoint for log lines and messages: where calls go, without credentials.</summary>
    internal string EndpointForDisplay => BaseUrl ?? "https://api.openai.com/v1";
}
