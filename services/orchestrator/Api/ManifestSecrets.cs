using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace K8sAgentPlatform.Orchestrator.Api;

/// <summary>
/// The Secrets inside an apply_manifest's text: their values (to mask wherever else they appear: the request text, the
/// summary, reasons) and the manifest with them masked. A manifest that does not parse but mentions a Secret is
/// masked whole: what cannot be read cannot be shown safely.
/// </summary>
internal static class ManifestSecrets
{
    private const int MaxEvents = 200_000;

    public static IReadOnlyList<string> Values(string manifest) => Read(manifest).Values;

    public static string Mask(string manifest) => Read(manifest).Masked;

    private static (IReadOnlyList<string> Values, string Masked) Read(string manifest)
    {
        if (!manifest.Contains("Secret", StringComparison.Ordinal))
        {
            return ([], manifest);
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new EventCounter(new Parser(new StringReader(manifest)), MaxEvents));
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException or ArgumentException)
        {
            return ([], SecretRedactor.Mask);
        }

        var values = new List<string>();
        var found = false;
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is not YamlMappingNode obj || Scalar(obj, "kind") != "Secret")
            {
                continue;
            }

            found = true;
            foreach (var field in new[] { "data", "stringData" })
            {
                if (Child(obj, field) is not YamlMappingNode data)
                {
                    if (Child(obj, field) is { } odd && odd is not YamlScalarNode { Value: null or "" })
                    {
                        obj.Children[new YamlScalarNode(field)] = new YamlScalarNode(SecretRedactor.Mask);
                    }

                    continue;
                }

                foreach (var key in data.Children.Keys.ToList())
                {
                    if (data.Children[key] is YamlScalarNode { Value: { Length: > 0 } value })
                    {
                        values.Add(value);
                        if (field == "data" && Decoded(value) is { } clear)
                        {
                            values.Add(clear);
                        }
                    }

                    data.Children[key] = new YamlScalarNode(SecretRedactor.Mask);
                }
            }

            if (Child(obj, "metadata") is YamlMappingNode metadata && Child(metadata, "annotations") is YamlMappingNode annotations
                && annotations.Children.ContainsKey(new YamlScalarNode(SecretRedactor.LastApplied)))
            {
                annotations.Children[new YamlScalarNode(SecretRedactor.LastApplied)] = new YamlScalarNode(SecretRedactor.Mask);
            }
        }

        if (!found)
        {
            return ([], manifest);
        }

        var text = new StringWriter();
        stream.Save(text, assignAnchors: false);
        return (values, text.ToString());
    }

    private static string? Decoded(string base64)
    {
        try
        {
            var bytes = Convert.FromBase64String(base64);
            var clear = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            return clear.Length > 0 ? clear : null;
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            return null;
        }
    }

    private static YamlNode? Child(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Scalar(YamlMappingNode mapping, string key) => Child(mapping, key) is YamlScalarNode { Value: { } value } ? value : null;

    /// <summary>Stops a hostile manifest (alias bombs, huge streams) from costing more than a bounded number of events.</summary>
    private sealed class EventCounter(IParser inner, int max) : IParser
    {
        private int count;

        public YamlDotNet.Core.Events.ParsingEvent? Current => inner.Current;

        public bool MoveNext() => ++count <= max ? inner.MoveNext() : throw new InvalidOperationException("the manifest is too large to read");
    }
}
