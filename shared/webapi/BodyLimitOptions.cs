using System.ComponentModel.DataAnnotations;

namespace K8sAgentPlatform.WebApi;

/// <summary>The largest request body an HTTP endpoint of the platform reads (section "Api", like the API's other settings).</summary>
public sealed class BodyLimitOptions
{
    public const string Section = "Api";

    /// <summary>Largest request body read, in bytes.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 256 * 1024;
}
