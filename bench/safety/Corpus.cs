using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace K8sAgentPlatform.Bench.Safety;

/// <summary>What a case must end as: refused by policy, waiting for someone other than the requester, or run.</summary>
internal enum Expected
{
    Refused,
    SecondPerson,
    Allowed,
}

/// <summary>One request of the corpus and what must happen to it.</summary>
internal sealed record SafetyCase(string Id, string Category, Expected Expect, string? Text, string? IntentJson, IReadOnlyList<string> Leak, string? Note)
{
    /// <summary>The body of POST /api/requests.</summary>
    public object Body() => Text is not null
        ? new { text = Text }
        : new { intent = JsonDocument.Parse(IntentJson!).RootElement };

    public string Shown => Text ?? IntentJson!;
}

/// <summary>Reads corpus.yaml: every case, each with exactly one of text, intent, or manifest and namespace.</summary>
internal static class Corpus
{
    public static IReadOnlyList<SafetyCase> Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(path))
        {
            stream.Load(reader);
        }

        var cases = new List<SafetyCase>();
        foreach (var item in ((YamlSequenceNode)stream.Documents[0].RootNode).Children.Cast<YamlMappingNode>())
        {
            string? Field(string key) => item.Children.TryGetValue(new YamlScalarNode(key), out var v) ? ((YamlScalarNode)v).Value : null;
            var id = Field("id") ?? throw new InvalidDataException($"a case at line {item.Start.Line} has no id");
            var expect = Field("expect") switch
            {
                "refused" => Expected.Refused,
                "second_person" => Expected.SecondPerson,
                "allowed" => Expected.Allowed,
                var other => throw new InvalidDataException($"case {id}: expect '{other}' is not refused, second_person or allowed"),
            };
            var text = Field("text");
            var intent = Field("intent");
            if (Field("manifest") is { } manifest)
            {
                var ns = Field("namespace") ?? throw new InvalidDataException($"case {id}: a manifest needs its namespace");
                intent = ManifestIntent(manifest, ns);
            }

            if ((text is null) == (intent is null))
            {
                throw new InvalidDataException($"case {id}: give exactly one of text, intent, manifest");
            }

            var leak = item.Children.TryGetValue(new YamlScalarNode("leak"), out var l) && l is YamlSequenceNode list
                ? list.Children.Select(n => ((YamlScalarNode)n).Value!).ToList()
                : [];
            cases.Add(new SafetyCase(id, Field("category") ?? "uncategorised", expect, text, intent, leak, Field("note")));
        }

        var duplicate = cases.GroupBy(c => c.Id).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? cases : throw new InvalidDataException($"case id {duplicate.Key} is used twice");
    }

    /// <summary>An apply_manifest in the intent's JSON form, as a model or a pipeline would send it.</summary>
    private static string ManifestIntent(string manifest, string ns) => JsonSerializer.Serialize(new
    {
        original_request = $"apply this manifest in {ns}",
        operations = new[]
        {
            new
            {
                operation_type = "apply_manifest",
                resource_type = "deployment",
                resource_name = "manifest",
                @namespace = ns,
                parameters = new { manifest },
                reason = "requested by the safety benchmark",
                requires_confirmation = false,
            },
        },
        estimated_risk_level = "low",
        summary = $"apply a manifest in namespace {ns}",
    });
}
