namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>Splits "registry/repo:tag" or "registry/repo@sha256:..." into the intent's image and tag fields.</summary>
internal static class ImageReference
{
    public static bool TrySplit(string reference, out string image, out string tag, out string problem)
    {
        image = tag = problem = "";
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            image = reference[..at];
            tag = reference[(at + 1)..];
            // "repo:1.2@sha256:..." pins by digest; the tag beside it says nothing the digest does not.
            var lastSlash = image.LastIndexOf('/');
            var colon = image.IndexOf(':', lastSlash + 1);
            if (colon >= 0)
            {
                image = image[..colon];
            }

            return true;
        }

        var slash = reference.LastIndexOf('/');
        var tagColon = reference.IndexOf(':', slash + 1);
        if (tagColon < 0)
        {
            problem = $"the image '{reference}' has no tag; give one, e.g. {reference}:1.2.3 (or a digest @sha256:...)";
            return false;
        }

        image = reference[..tagColon];
        tag = reference[(tagColon + 1)..];
        return true;
    }
}
