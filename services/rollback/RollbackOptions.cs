using System.ComponentModel.DataAnnotations;
using K8sAgentPlatform.Kubernetes;

namespace K8sAgentPlatform.Rollback;

/// <summary>How restores are verified. Section "Rollback".</summary>
public sealed class RollbackOptions
{
    public const string Section = "Rollback";

    [Required]
    public VerificationOptions Verification { get; set; } = new();

    [Range(1, 20)]
    public int MaxConflictRetries { get; set; } = 5;
}
