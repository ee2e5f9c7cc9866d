using System.Net.Http.Json;
using System.Text.Json;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Security;
using MassTransit;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// The executor as a process on RabbitMQ is the last line: a well-formed ExecuteOperation on its queue without the
/// saga's valid authorization changes nothing, and is audited and counted.
/// </summary>
public sealed class AuthorizationBoundaryTests(SharedPlatform shared) : IClassFixture<SharedPlatform>
{
    [Fact]
    public async Task ExecuteOperations_without_with_a_foreign_or_with_an_expired_authorization_change_nothing_and_are_audited_and_counted()
    {
        var platform = shared.Platform;
        var before = await platform.ReadDeploymentAsync("dev", "web");
        var foreignKeyFile = Path.Combine(platform.WorkDirectory, "mallory", "authorization.pem");
        AuthorizationKeys.EnsureKeyPair(foreignKeyFile);
        using var foreign = new AuthorizationSigner(Options.Create(new AuthorizationOptions { SigningKeyFile = foreignKeyFile }), TimeProvider.System);
        using var genuine = new AuthorizationSigner(Options.Create(new AuthorizationOptions
        {
            SigningKeyFile = Path.Combine(platform.WorkDirectory, "authorization.pem"),
            Lifetime = TimeSpan.FromSeconds(5),
        }), new ShiftedTime(TimeSpan.FromHours(-1)));

        var missing = Command();
        var forged = Command();
        forged = forged with { Authorization = Sign(foreign, forged) };
        var expired = Command();
        expired = expired with { Authorization = Sign(genuine, expired) };

        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(new Uri(platform.AdminBusUrl)));
        await bus.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var executor = await bus.GetSendEndpoint(Endpoints.Queue(Endpoints.Executor));
            foreach (var command in new[] { missing, forged, expired })
            {
                await executor.Send(command, TestContext.Current.CancellationToken);
            }
        }
        finally
        {
            await bus.StopAsync(TestContext.Current.CancellationToken);
        }

        var reasons = new Dictionary<Guid, string> { [missing.RequestId] = "missing", [forged.RequestId] = "unknown_key", [expired.RequestId] = "expired" };
        foreach (var (requestId, reason) in reasons)
        {
            var entry = await AuditEntryAsync(platform, requestId);
            entry.GetProperty("principal").GetString().ShouldBe("executor");
            entry.GetProperty("detail").GetString()!.ShouldContain($"authorization {reason}");
        }

        using var metrics = new HttpClient { BaseAddress = new Uri(platform["executor"].Url) };
        var scrape = await metrics.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        foreach (var reason in reasons.Values)
        {
            scrape.ShouldContain($"reason=\"{reason}\"");
        }

        var after = await platform.ReadDeploymentAsync("dev", "web");
        after["metadata"]!["resourceVersion"]!.GetValue<string>().ShouldBe(before["metadata"]!["resourceVersion"]!.GetValue<string>());
        platform.AllRunning.ShouldBeTrue(platform.Logs());
    }

    private static ExecuteOperation Command() => new()
    {
        RequestId = Guid.NewGuid(),
        Index = 0,
        Operation = new KubernetesOperation
        {
            OperationType = OperationType.Scale,
            ResourceType = ResourceType.Deployment,
            ResourceName = "web",
            Namespace = "dev",
            Parameters = new ScaleParameters { Replicas = 7 },
            Reason = "a forged command straight to the executor's queue",
            RequiresConfirmation = false,
        },
    };

    private static OperationAuthorization Sign(AuthorizationSigner signer, ExecuteOperation command) =>
        signer.Sign(command.RequestId, command.Index, AuthorizationSubjects.Execute, AuthorizationCanonical.OperationHash(command.Operation), null, "forged", []);

    private static async Task<JsonElement> AuditEntryAsync(DistributedPlatform platform, Guid requestId)
    {
        var api = platform.Api("admin");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var entries = await api.GetFromJsonAsync<JsonElement>($"/api/audit?request_id={requestId}", TestContext.Current.CancellationToken);
            if (entries.EnumerateArray().FirstOrDefault(e => e.GetProperty("action").GetString() == "execution-refused") is { ValueKind: JsonValueKind.Object } found)
            {
                return found;
            }

            (DateTime.UtcNow < deadline).ShouldBeTrue($"no execution-refused entry for {requestId}\n{platform.Logs()}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    private sealed class ShiftedTime(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + by;
    }
}
