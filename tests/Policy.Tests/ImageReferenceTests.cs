using K8sAgentPlatform.Policy.Images;

namespace K8sAgentPlatform.Policy.Tests;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("nginx", "docker.io", "library/nginx", null, null)]
    [InlineData("nginx:1.25", "docker.io", "library/nginx", "1.25", null)]
    [InlineData("bitnami/redis:7", "docker.io", "bitnami/redis", "7", null)]
    [InlineData("gcr.io/my-project/api:v1.2.3", "gcr.io", "my-project/api", "v1.2.3", null)]
    [InlineData("localhost:5000/team/app:dev", "localhost:5000", "team/app", "dev", null)]
    [InlineData("registry.example.com:443/app", "registry.example.com:443", "app", null, null)]
    [InlineData("registry.k8s.io/pause@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "registry.k8s.io", "pause", null, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("us-docker.pkg.dev/my-project/repo/img:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "us-docker.pkg.dev", "my-project/repo/img", "1.0", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void References_are_split_into_registry_path_tag_and_digest(string reference, string registry, string repository, string? tag, string? digest)
    {
        var parsed = ImageReference.Parse(reference);

        parsed.Registry.ShouldBe(registry);
        parsed.Repository.ShouldBe(repository);
        parsed.Tag.ShouldBe(tag);
        parsed.Digest.ShouldBe(digest);
    }

    [Theory]
    [InlineData("")]
    [InlineData("gcr.io/my-project/api:v1 ")]
    [InlineData("gcr.io/my project/api")]
    [InlineData("gcr.io/my-proj\u0435ct/api")] // Cyrillic 'е'
    [InlineData("gcr.io/my-project/\u200bapi")]
    [InlineData("gcr.io/My-Project/api")]
    [InlineData("gcr.io/my-project/api@sha256:abc")]
    [InlineData("gcr.io/my-project/api:")]
    [InlineData("gcr.io/my-project//api")]
    [InlineData("gcr.io/../api")]
    [InlineData("gcr..io/api")]
    public void Malformed_or_look_alike_references_are_refused(string reference)
    {
        ImageReference.TryParse(reference, out _, out var problem).ShouldBeFalse();
        problem.ShouldNotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData("gcr.io/my-project", "gcr.io/my-project/api:1.0", true)]
    [InlineData("gcr.io/my-project", "gcr.io/my-project/team/api:1.0", true)]
    [InlineData("gcr.io/my-project/", "gcr.io/my-project/api:1.0", true)]
    [InlineData("gcr.io/my-project", "gcr.io/my-project-evil/api:1.0", false)]
    [InlineData("gcr.io/my-project", "gcr.io.evil.com/my-project/api:1.0", false)]
    [InlineData("gcr.io/my-project", "gcr.io/my-project:1.0", true)]
    [InlineData("gcr.io/my-project", "evil.com/gcr.io/my-project/api:1.0", false)]
    [InlineData("gcr.io/my-project", "gcr.io:8443/my-project/api:1.0", false)]
    [InlineData("registry.k8s.io", "registry.k8s.io/pause:3.9", true)]
    [InlineData("registry.k8s.io", "registry.k8s.io.evil.com/pause:3.9", false)]
    [InlineData("registry.k8s.io", "evilregistry.k8s.io/pause:3.9", false)]
    [InlineData("docker.io/library", "nginx:1.25", true)]
    [InlineData("docker.io/library", "bitnami/nginx:1.25", false)]
    [InlineData("localhost:5000", "localhost:5000/app:1", true)]
    [InlineData("localhost:5000", "localhost:5001/app:1", false)]
    public void Registries_match_component_by_component(string entry, string image, bool admitted)
    {
        RegistryPattern.Parse(entry).Admits(ImageReference.Parse(image)).ShouldBe(admitted);
    }

    [Theory]
    [InlineData("my-project")]
    [InlineData("gcr.io/my-project:latest")]
    [InlineData("gcr.io/my-project@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("")]
    public void Registry_entries_must_name_a_host(string entry)
    {
        RegistryPattern.TryParse(entry, out _, out var problem).ShouldBeFalse();
        problem.ShouldNotBeNull();
    }
}
