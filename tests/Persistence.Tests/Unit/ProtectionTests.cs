using K8sAgentPlatform.Persistence.Protection;
using K8sAgentPlatform.Persistence.Tests.Contract;

namespace K8sAgentPlatform.Persistence.Tests.Unit;

public sealed class ProtectionTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void Protected_text_opens_only_with_the_same_key_and_context()
    {
        using var protector = new AesGcmObjectProtector(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        using var other = new AesGcmObjectProtector(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

        var first = protector.Protect(TestData.SecretValue, "snapshot:a");
        var second = protector.Protect(TestData.SecretValue, "snapshot:a");

        first.ShouldNotBe(second);
        first.ShouldNotContain(TestData.SecretValue);
        protector.Unprotect(first, "snapshot:a").ShouldBe(TestData.SecretValue);
        Should.Throw<ObjectProtectionException>(() => protector.Unprotect(first, "snapshot:b"));
        Should.Throw<ObjectProtectionException>(() => other.Unprotect(first, "snapshot:a"));
        var bytes = Convert.FromBase64String(first[AesGcmObjectProtector.Prefix.Length..]);
        bytes[^1] ^= 1;
        Should.Throw<ObjectProtectionException>(() => protector.Unprotect(AesGcmObjectProtector.Prefix + Convert.ToBase64String(bytes), "snapshot:a"));
        Should.Throw<ObjectProtectionException>(() => protector.Unprotect("plain text", "snapshot:a"));
        Should.Throw<ArgumentException>(() => new AesGcmObjectProtector(new byte[16]));
    }

    [Fact]
    public async Task One_protector_serves_many_threads_at_once()
    {
        using var protector = new AesGcmObjectProtector(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() =>
        {
            var value = $"value-{i}-" + new string('x', i * 10);
            return protector.Unprotect(protector.Protect(value, $"snapshot:{i}"), $"snapshot:{i}") == value;
        })));

        results.ShouldAllBe(ok => ok);
    }

    [Fact]
    public void The_key_file_is_created_once_readable_by_its_owner_only()
    {
        var path = Path.Combine(directory.Path, "nested", "store.db.key");

        var created = ProtectionKeys.LoadOrCreate(path);
        var loaded = ProtectionKeys.LoadOrCreate(path);

        created.Length.ShouldBe(32);
        loaded.ShouldBe(created);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Directory.GetFiles(Path.GetDirectoryName(path)!).ShouldBe([path]);
    }

    [Fact]
    public async Task Writers_starting_together_agree_on_one_key()
    {
        var path = Path.Combine(directory.Path, "race.key");

        var keys = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => ProtectionKeys.LoadOrCreate(path))));

        keys.Select(Convert.ToBase64String).Distinct().Count().ShouldBe(1);
        Convert.ToBase64String(keys[0]).ShouldBe(File.ReadAllText(path));
    }

    [Fact]
    public void A_bad_configured_key_names_the_setting()
    {
        Should.Throw<ArgumentException>(() => ProtectionKeys.FromBase64("not base64!", "Persistence:EncryptionKey")).Message.ShouldContain("Persistence:EncryptionKey");
        Should.Throw<ArgumentException>(() => ProtectionKeys.FromBase64(Convert.ToBase64String(new byte[31]), "Persistence:EncryptionKey")).Message.ShouldContain("32 bytes");
    }
}
