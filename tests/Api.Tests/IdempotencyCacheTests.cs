using K8sAgentPlatform.TestSupport;
using K8sAgentPlatform.Orchestrator.Api;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Api.Tests;

public sealed class IdempotencyCacheTests
{
    private readonly ManualTime time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_repeated_key_gets_the_first_response_until_the_window_passes()
    {
        var cache = Cache(capacity: 10);
        cache.Claim("alice\nk", "f", out var first).ShouldBeNull();
        cache.Complete("alice\nk", first, Response(202));

        var again = cache.Claim("alice\nk", "f", out _);
        (await again!.Response.Task)!.Status.ShouldBe(202);

        time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        cache.Claim("alice\nk", "f", out _).ShouldBeNull();
    }

    [Fact]
    public void The_cache_keeps_at_most_its_capacity_dropping_the_oldest()
    {
        var cache = Cache(capacity: 2);
        foreach (var key in new[] { "a", "b", "c" })
        {
            cache.Claim(key, "f", out var entry).ShouldBeNull();
            cache.Complete(key, entry, Response(202));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        cache.Count.ShouldBe(2);
        cache.Claim("a", "f", out _).ShouldBeNull(); // forgotten: the oldest went first
    }

    [Fact]
    public void Server_errors_are_not_remembered()
    {
        var cache = Cache(capacity: 10);
        cache.Claim("k", "f", out var entry).ShouldBeNull();
        cache.Complete("k", entry, Response(503));

        cache.Claim("k", "f", out _).ShouldBeNull();
    }

    private IdempotencyCache Cache(int capacity) =>
        new(Options.Create(new ApiOptions { IdempotencyCapacity = capacity }), time);

    private static StoredResponse Response(int status) => new(status, "application/json", null, [(byte)'{', (byte)'}']);
}
