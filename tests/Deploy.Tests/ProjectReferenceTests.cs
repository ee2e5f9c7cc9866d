using System.Xml.Linq;

namespace K8sAgentPlatform.Deploy.Tests;

/// <summary>
/// No service builds on another service: what two of them share lives under shared/ or travels on the bus
/// (../shared/DESIGN.md §1). Read from the project files, so a new reference fails here before it is used.
/// </summary>
public sealed class ProjectReferenceTests
{
    /// <summary>Every ProjectReference of <paramref name="project"/> that points into <paramref name="forbidden"/>, as "project -> reference".</summary>
    internal static IReadOnlyList<string> ReferencesInto(string project, string forbidden)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(project))!;
        var root = Path.GetFullPath(forbidden).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return XDocument.Load(project).Descendants()
            .Where(e => e.Name.LocalName == "ProjectReference" && e.Attribute("Include") is not null)
            .Select(e => e.Attribute("Include")!.Value.Replace('\\', Path.DirectorySeparatorChar))
            .Where(include => Path.GetFullPath(Path.Combine(directory, include)).StartsWith(root, StringComparison.Ordinal))
            .Select(include => $"{Path.GetRelativePath(Repository.Root, project)} -> {include}")
            .ToList();
    }

    private static IEnumerable<string> Projects(string folder) =>
        Directory.GetFiles(Repository.PathOf(folder), "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Split(Path.DirectorySeparatorChar).Intersect(["bin", "obj"]).Any())
            .Order(StringComparer.Ordinal);

    [Fact]
    public void No_project_under_services_references_another_project_under_services()
    {
        var services = Projects("services").ToList();
        services.Count.ShouldBeGreaterThanOrEqualTo(6);

        services.SelectMany(p => ReferencesInto(p, Repository.PathOf("services"))).ShouldBeEmpty();
    }

    [Fact]
    public void No_project_under_shared_references_a_service()
    {
        Projects("shared").SelectMany(p => ReferencesInto(p, Repository.PathOf("services"))).ShouldBeEmpty();
    }

    [Fact]
    public void The_check_itself_names_the_offending_project_and_reference()
    {
        var work = Directory.CreateTempSubdirectory("project-references-");
        try
        {
            var project = Path.Combine(work.FullName, "services", "a", "A.csproj");
            Directory.CreateDirectory(Path.GetDirectoryName(project)!);
            File.WriteAllText(project, """
                <Project Sdk="Microsoft.NET.Sdk">
                  <ItemGroup>
                    <ProjectReference Include="../../shared/hosting/Hosting.csproj" />
                    <ProjectReference Include="..\b\B.csproj" />
                  </ItemGroup>
                </Project>
                """);

            var offending = ReferencesInto(project, Path.Combine(work.FullName, "services")).ShouldHaveSingleItem();

            offending.ShouldEndWith($"A.csproj -> ..{Path.DirectorySeparatorChar}b{Path.DirectorySeparatorChar}B.csproj");
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
