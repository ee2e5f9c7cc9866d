using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace K8sAgentPlatform.Deploy.Tests;

/// <summary>Files of the repository the tests run from, and YAML read into plain dictionaries and lists.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>Every document of a YAML text, with merge keys (<c>&lt;&lt;: *anchor</c>) applied as Compose applies them.</summary>
    public static IReadOnlyList<Dictionary<object, object?>> Documents(string yaml)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new MergingParser(new Parser(new StringReader(yaml)));
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        var documents = new List<Dictionary<object, object?>>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            if (deserializer.Deserialize<Dictionary<object, object?>?>(parser) is { } document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    public static Dictionary<object, object?> Map(object? value) =>
        value as Dictionary<object, object?> ?? throw new InvalidDataException($"expected a mapping, found {value?.GetType().Name ?? "nothing"}");

    public static IReadOnlyList<object?> List(object? value) => value as List<object?> ?? [];

    public static Dictionary<object, object?> Map(this Dictionary<object, object?> map, string key) => Map(map.GetValueOrDefault(key));

    public static string? Text(this Dictionary<object, object?> map, string key) => map.GetValueOrDefault(key) as string;

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "K8sAgentPlatform.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (K8sAgentPlatform.sln) is not above the test binaries.");
    }
}
