using System.Diagnostics.CodeAnalysis;

namespace K8sAgentPlatform.Policy.Images;

/// <summary>
/// An approved-registry entry such as <c>gcr.io/my-project</c>: a host (with its port, if any) and a
/// path prefix. It admits an image when the hosts are equal and the entry's path components are the
/// image's first path components, compared whole: <c>gcr.io/my-project</c> admits
/// <c>gcr.io/my-project/api</c> but not <c>gcr.io/my-project-evil/api</c> or <c>gcr.io.evil.com/my-project/api</c>.
/// </summary>
public sealed record RegistryPattern(string Host, IReadOnlyList<string> Path)
{
    public override string ToString() => Path.Count == 0 ? Host : $"{Host}/{string.Join('/', Path)}";

    public bool Admits(ImageReference image) =>
        string.Equals(Host, image.Registry, StringComparison.OrdinalIgnoreCase)
        && Path.Count <= image.Path.Count
        && Path.Select((component, i) => string.Equals(component, image.Path[i], StringComparison.Ordinal)).All(same => same);

    public static bool TryParse(string entry, [NotNullWhen(true)] out RegistryPattern? pattern, [NotNullWhen(false)] out string? problem)
    {
        pattern = null;
        var trimmed = entry.EndsWith('/') ? entry[..^1] : entry;
        if (trimmed.Contains('@', StringComparison.Ordinal) || trimmed.Length == 0)
        {
            problem = $"'{ImageReference.Printable(entry)}' is not a registry (host[:port][/path])";
            return false;
        }

        // An entry must name its host; parsing "host/x" as an image tells host, path and validity apart.
        var firstSlash = trimmed.IndexOf('/', StringComparison.Ordinal);
        var host = firstSlash < 0 ? trimmed : trimmed[..firstSlash];
        var probe = firstSlash < 0 ? $"{trimmed}/probe" : trimmed;
        if (!(host.Contains('.', StringComparison.Ordinal) || host.Contains(':', StringComparison.Ordinal) || host == "localhost")
            || !ImageReference.TryParse(probe, out var parsed, out _)
            || parsed.Tag is not null)
        {
            problem = $"'{ImageReference.Printable(entry)}' is not a registry (host[:port][/path], e.g. gcr.io/my-project)";
            return false;
        }

        pattern = new RegistryPattern(parsed.Registry, firstSlash < 0 ? [] : parsed.Path);
        problem = null;
        return true;
    }

    public static RegistryPattern Parse(string entry) =>
        TryParse(entry, out var pattern, out var problem) ? pattern : throw new FormatException(problem);
}
