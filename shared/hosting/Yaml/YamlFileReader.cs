using System.Globalization;
using K8sAgentPlatform.Contracts.Intent;
using YamlDotNet.RepresentationModel;

namespace K8sAgentPlatform.Hosting.Yaml;

/// <summary>One problem in a YAML file, at the line and column of the offending key or value, with its dotted key path.</summary>
public sealed record YamlFileError(int Line, int Column, string Key, string Message);

/// <summary>
/// Reads values out of a loaded YAML tree strictly and collects every problem instead of stopping at the first:
/// unknown keys (naming the keys known there), wrong node kinds and out-of-range values, each with line, column
/// and dotted key path. The file readers build their settings on top of it.
/// </summary>
/// <param name="integerStyles">
/// How <see cref="Int"/> parses whole numbers; <see cref="NumberStyles.None"/> refuses a sign,
/// <see cref="NumberStyles.AllowLeadingSign"/> accepts one (the range check still applies).
/// </param>
public sealed class YamlFileReader(NumberStyles integerStyles = NumberStyles.None)
{
    private readonly List<YamlFileError> errors = [];

    /// <summary>Every problem found so far, in the order found.</summary>
    public IReadOnlyList<YamlFileError> Errors => errors;

    /// <summary>Records a problem at <paramref name="node"/>'s position under the dotted <paramref name="key"/>.</summary>
    public void Error(YamlNode node, string key, string message) =>
        errors.Add(new YamlFileError((int)node.Start.Line, (int)node.Start.Column, key, message));

    /// <summary>The entries of <paramref name="mapping"/> whose keys are <paramref name="known"/>; any other key is an error.</summary>
    public IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode mapping, string section, string[] known)
    {
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = keyNode is YamlScalarNode { Value: { } k } ? k : "";
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                Error(keyNode, section.Length == 0 ? key : $"{section}.{key}", $"unknown key (known here: {string.Join(", ", known)})");
                continue;
            }

            yield return (key, value);
        }
    }

    /// <summary>The node as a mapping, or null after recording an error.</summary>
    public YamlMappingNode? Mapping(YamlNode node, string key)
    {
        if (node is YamlMappingNode mapping)
        {
            return mapping;
        }

        Error(node, key, "must be a mapping of keys to values");
        return null;
    }

    /// <summary>The node's single value, or null after recording an error.</summary>
    public string? Scalar(YamlNode node, string key)
    {
        if (node is YamlScalarNode { Value: { } value })
        {
            return value;
        }

        Error(node, key, "must be a single value");
        return null;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, or null after recording an error.</summary>
    public int? Int(YamlNode node, string key, int min, int max)
    {
        if (Scalar(node, key) is not { } text)
        {
            return null;
        }

        if (int.TryParse(text, integerStyles, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        Error(node, key, $"must be a whole number from {min} to {max}, got '{text}'");
        return null;
    }

    /// <summary>A finite number from <paramref name="min"/> to <paramref name="max"/>, or null after recording an error.</summary>
    public double? Double(YamlNode node, string key, double min, double max)
    {
        if (Scalar(node, key) is not { } text)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < min || value > max)
        {
            Error(node, key, $"must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, got '{text}'");
            return null;
        }

        return value;
    }

    /// <summary><c>true</c> or <c>false</c>, or null after recording an error.</summary>
    public bool? Bool(YamlNode node, string key)
    {
        switch (Scalar(node, key))
        {
            case null:
                return null;
            case "true":
                return true;
            case "false":
                return false;
            case var other:
                Error(node, key, $"must be true or false, got '{other}'");
                return null;
        }
    }

    /// <summary>One of the wire names of <typeparamref name="TEnum"/>, or null after recording an error.</summary>
    public TEnum? Enum<TEnum>(YamlNode node, string key) where TEnum : struct, System.Enum
    {
        if (Scalar(node, key) is not { } text)
        {
            return null;
        }

        if (WireNames.TryParse<TEnum>(text, out var value))
        {
            return value;
        }

        Error(node, key, $"must be one of {string.Join(", ", WireNames.All<TEnum>())}, got '{text}'");
        return null;
    }
}
