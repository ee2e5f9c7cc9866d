using System.ComponentModel.DataAnnotations;

using K8sAgentPlatform.Remediation.Rules;

namespace K8sAgentPlatform.Remediation;

/// <summary>Alert-driven remediation (section "Remediation"); off unless <see cref="RulesFile"/> is set.</summary>
public sealed class RemediationOptions : IValidatableObject
{
    public const string Section = "Remediation";

    /// <summary>The YAML rules file; loaded and checked at start.</summary>
    public string? RulesFile { get; set; }

    /// <summary>Hex SHA-256 of the bearer token Alertmanager sends (http_config.authorization.credentials); never the token.</summary>
    public string? WebhookTokenSha256 { get; set; }

    /// <summary>
    /// The Alertmanager the effectiveness check asks (required with a rules file). Only this URL is ever requested: a
    /// notification's externalURL is someone else's to set and is never fetched.
    /// </summary>
    public string? AlertmanagerUrl { get; set; }

    [Range(1, 1000)]
    public int MaxConcurrent { get; set; } = 5;

    /// <summary>This many failed remediations within <see cref="BreakerWindow"/> stop all remediation for <see cref="BreakerOpenFor"/>.</summary>
    [Range(1, 1000)]
    public int BreakerFailures { get; set; } = 3;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan BreakerWindow { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan BreakerOpenFor { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long after a completed remediation its alert may take to resolve before it counts as ineffective.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan EffectivenessWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often pending effectiveness checks ask Alertmanager whether their alert resolved.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(RulesFile))
        {
            yield break;
        }

        if (WebhookTokenSha256 is not { Length: 64 } hash || !hash.All(Uri.IsHexDigit))
        {
            yield return new ValidationResult($"{Section}:WebhookTokenSha256 must be the 64 hex digits of the webhook token's SHA-256 (the token itself is never configured)",
                [nameof(WebhookTokenSha256)]);
        }

        if (AlertmanagerUrl is not { Length: > 0 } url)
        {
            yield return new ValidationResult($"{Section}:AlertmanagerUrl is required with a rules file: the effectiveness check asks only the Alertmanager " +
                "configured here (e.g. http://alertmanager:9093), never a URL taken from a notification", [nameof(AlertmanagerUrl)]);
        }
        else if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            yield return new ValidationResult($"{Section}:AlertmanagerUrl must be an absolute http(s) URL, got '{url}'", [nameof(AlertmanagerUrl)]);
        }

        string? failure = null;
        try
        {
            _ = RemediationRulesFile.Load(RulesFile);
        }
        catch (RemediationRulesException e)
        {
            failure = e.Message;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failure = e.Message;
        }

        if (failure is not null)
        {
            yield return new ValidationResult($"{Section}:RulesFile: {failure}", [nameof(RulesFile)]);
        }
    }
}
