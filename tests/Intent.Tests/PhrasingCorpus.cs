namespace K8sAgentPlatform.Intent.Tests;

/// <summary>The phrasing corpus, read by the parser's own tests and, one case a category, by the distributed tests.</summary>
internal static class PhrasingCorpus
{
    /// <summary>Every case of Phrasings/corpus.txt (copied beside the test assembly): category, text, expected operations or "! reason".</summary>
    public static List<(string Category, string Text, string Expected)> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Phrasings", "corpus.txt");
        var cases = new List<(string, string, string)>();
        var category = "";
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                category = line[3..].Trim();
                continue;
            }

            if (line.StartsWith('#') || string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var arrow = line.LastIndexOf(" => ", StringComparison.Ordinal);
            if (arrow < 0)
            {
                throw new InvalidDataException($"corpus line without ' => ': {line}");
            }

            cases.Add((category, line[..arrow].Replace("\\n", "\n", StringComparison.Ordinal), line[(arrow + 4)..].Trim()));
        }

        return cases;
    }
}
