using System.ComponentModel.DataAnnotations;

namespace K8sAgentPlatform.Contracts.Intent;

/// <summary>
/// The bounds of the intent model in one place. The attributes on the model's properties refer to
/// these constants; the schema generator and <see cref="IntentValidator"/> both read the attributes.
/// </summary>
public static class Bounds
{
    public const int MaxReplicas = 100;
    public const int MaxOperations = 10;
    public const int MaxOriginalRequest = 2000;
    public const int MinReason = 10;
    public const int MaxReason = 500;
    public const int MinSummary = 10;
    public const int MaxSummary = 500;
    public const int MaxResourceName = 253;
    public const int MaxNamespace = 63;
    public const int MaxTailLines = 10000;
    public const int DefaultTailLines = 100;
    public const int MaxSinceSeconds = 86400;
    public const int MaxConfigValue = 10000;
    public const int MaxManifestBytes = 64 * 1024;
    public const int MaxImage = 500;
    public const int MaxTag = 128;
    public const int MaxGracePeriodSeconds = 3600;

    public const string DnsLabelPattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    public const string DnsSubdomainPattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    // A tag, or a digest given in the tag field.
    public const string TagPattern = "^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|sha256:[a-f0-9]{64})$";
    public const string ConfigKeyPattern = "^[-._A-Za-z0-9]+$";
    public const string ImagePattern = "^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$";
    public const string SnapshotIdPattern = "^[A-Za-z0-9_-]{1,64}$";
}

/// <summary>A string that must match a pattern; <see cref="Explanation"/> says what the pattern means in words.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FormatAttribute(string pattern, string explanation) : RegularExpressionAttribute(pattern)
{
    public string Explanation { get; } = explanation;
}

/// <summary>A string whose UTF-8 encoding must not exceed a size (the schema cannot carry this).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxBytesAttribute(int bytes) : Attribute
{
    public int Bytes { get; } = bytes;
}
