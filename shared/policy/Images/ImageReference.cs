using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace K8sAgentPlatform.Policy.Images;

/// <summary>
/// A container image reference split the way a container runtime reads it:
/// <c>[host[:port]/]path[:tag][@digest]</c>. A reference without a registry host is Docker Hub's, and a
/// single-component Docker Hub path lives under <c>library/</c> (<c>nginx</c> is <c>docker.io/library/nginx</c>).
/// </summary>
public sealed partial record ImageReference(string Registry, IReadOnlyList<string> Path, string? Tag, string? Digest)
{
    public const string DockerHub = "docker.io";
    private const int MaxNameLength = 255;

    public string Repository => string.Join('/', Path);

    /// <summary>Neither tag nor digest: the runtime pulls <c>latest</c>.</summary>
    public bool IsImplicitLatest => Tag is null && Digest is null;

    public override string ToString() =>
        $"{Registry}/{Repository}{(Tag is null ? "" : ":" + Tag)}{(Digest is null ? "" : "@" + Digest)}";

    public static ImageReference Parse(string reference) =>
        TryParse(reference, out var parsed, out var problem) ? parsed : throw new FormatException(problem);

    public static bool TryParse(string? reference, [NotNullWhen(true)] out ImageReference? parsed, [NotNullWhen(false)] out string? problem)
    {
        parsed = null;
        if (string.IsNullOrEmpty(reference))
        {
            problem = "an image reference is empty";
            return false;
        }

        // Only printable ASCII is valid in a reference: this keeps out look-alike letters, zero-width
        // characters and whitespace before any further parsing.
        if (reference.Any(c => c is < '!' or > '~'))
        {
            problem = $"image '{Printable(reference)}' contains whitespace, control or non-ASCII characters";
            return false;
        }

        var rest = reference;
        string? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!DigestRegex().IsMatch(digest))
            {
                problem = $"image '{reference}' has an invalid digest '{digest}' (expected sha256:<64 hex> or sha512:<128 hex>)";
                return false;
            }
        }

        string? tag = null;
        var lastColon = rest.LastIndexOf(':');
        if (lastColon > rest.LastIndexOf('/'))
        {
            tag = rest[(lastColon + 1)..];
            rest = rest[..lastColon];
            if (!TagRegex().IsMatch(tag))
            {
                problem = $"image '{reference}' has an invalid tag '{tag}'";
                return false;
            }
        }

        if (rest.Length is 0 or > MaxNameLength)
        {
            problem = $"image '{reference}' has no repository or one longer than {MaxNameLength} characters";
            return false;
        }

        var components = rest.Split('/');
        string registry;
        string[] path;
        if (components.Length > 1 && LooksLikeHost(components[0]))
        {
            registry = components[0];
            path = components[1..];
            if (!HostRegex().IsMatch(registry))
            {
                problem = $"image '{reference}' has an invalid registry host '{registry}'";
                return false;
            }
        }
        else
        {
            registry = DockerHub;
            path = components.Length == 1 ? ["library", components[0]] : components;
        }

        foreach (var component in path)
        {
            if (!PathComponentRegex().IsMatch(component))
            {
                problem = $"image '{reference}' has an invalid path component '{component}' (lowercase letters, digits and single separators only)";
                return false;
            }
        }

        parsed = new ImageReference(registry.ToLowerInvariant(), path, tag, digest);
        problem = null;
        return true;
    }

    // The same test the Docker reference grammar uses: a first component is a host when it has a dot,
    // a port, or is localhost.
    private static bool LooksLikeHost(string component) =>
        component.Contains('.', StringComparison.Ordinal) || component.Contains(':', StringComparison.Ordinal) || component == "localhost";

    internal static string Printable(string value) =>
        string.Concat(value.Take(120).Select(c => c is >= '!' and <= '~' ? c.ToString() : $"\\u{(int)c:x4}"));

    [GeneratedRegex("^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$", RegexOptions.CultureInvariant)]
    private static partial Regex DigestRegex();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagRegex();

    [GeneratedRegex("^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$", RegexOptions.CultureInvariant)]
    private static partial Regex HostRegex();

    [GeneratedRegex("^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex PathComponentRegex();
}
