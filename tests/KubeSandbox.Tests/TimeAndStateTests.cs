using k8s;
using k8s.Models;
using K8sAgentPlatform.KubeSandbox.Api;
using Microsoft.Extensions.Time.Testing;

namespace K8sAgentPlatform.KubeSandbox.Tests;

public sealed class TimeAndStateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_controller_follows_the_time_provider_so_a_ten_minute_deadline_passes_without_waiting()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        await using var server = await SandboxServer.StartAsync(new SandboxOptions
        {
            Seed = "demo",
            TimeProvider = time,
            RunController = false,
            PodReadyDelay = TimeSpan.FromSeconds(30),
        }, Ct);
        using var client = server.CreateClient();
        void Reconcile()
        {
            for (var i = 0; i < 6; i++)
            {
                server.Controller.ReconcileOnce();
            }
        }

        Reconcile();
        var pending = await client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "dev", labelSelector: "app=api", cancellationToken: Ct);
        pending.Items.Single().Status.ContainerStatuses.Single().State.Waiting.Reason.ShouldBe("ContainerCreating");
        time.Advance(TimeSpan.FromSeconds(30));
        Reconcile();
        var running = await client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "dev", labelSelector: "app=api", cancellationToken: Ct);
        running.Items.Single().Status.Phase.ShouldBe("Running");

        await client.AppsV1.PatchNamespacedDeploymentAsync(
            body: new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"api","image":"ghcr.io/example/api:does-not-exist"}]}}}}""", V1Patch.PatchType.StrategicMergePatch),
            name: "api", namespaceParameter: "dev", cancellationToken: Ct);
        time.Advance(TimeSpan.FromSeconds(31));
        Reconcile();
        time.Advance(TimeSpan.FromSeconds(1));
        Reconcile();
        var progressing = await client.AppsV1.ReadNamespacedDeploymentAsync(name: "api", namespaceParameter: "dev", cancellationToken: Ct);
        progressing.Status.Conditions.Single(c => c.Type == "Progressing").Reason.ShouldBe("ReplicaSetUpdated");
        time.Advance(TimeSpan.FromSeconds(601));
        Reconcile();

        var stuck = await client.AppsV1.ReadNamespacedDeploymentAsync(name: "api", namespaceParameter: "dev", cancellationToken: Ct);
        stuck.Status.Conditions.Single(c => c.Type == "Progressing").Reason.ShouldBe("ProgressDeadlineExceeded");
        stuck.Status.AvailableReplicas.ShouldBe(1);
        server.Controller.LastError.ShouldBeNull();
        (await client.CoreV1.ListNamespacedEventAsync(namespaceParameter: "dev", cancellationToken: Ct)).Items.ShouldNotBeEmpty();

        time.Advance(TimeSpan.FromHours(2));
        Reconcile();
        (await client.CoreV1.ListNamespacedEventAsync(namespaceParameter: "dev", cancellationToken: Ct)).Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_state_file_carries_the_cluster_across_restarts()
    {
        var file = Path.Combine(Path.GetTempPath(), $"sandbox-state-{Guid.NewGuid():N}.json");
        try
        {
            string uid;
            long version;
            await using (var first = await SandboxServer.StartAsync(new SandboxOptions { Seed = "demo", StateFile = file, RunController = false }, Ct))
            {
                using var client = first.CreateClient();
                var created = await client.CoreV1.CreateNamespacedConfigMapAsync(
                    body: new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "kept" }, Data = new Dictionary<string, string> { ["k"] = "v" } },
                    namespaceParameter: "staging", cancellationToken: Ct);
                uid = created.Metadata.Uid;
                version = long.Parse(created.Metadata.ResourceVersion);
            }

            await using var second = await SandboxServer.StartAsync(new SandboxOptions { Seed = "demo", StateFile = file, RunController = false }, Ct);
            using var again = second.CreateClient();
            var kept = await again.CoreV1.ReadNamespacedConfigMapAsync(name: "kept", namespaceParameter: "staging", cancellationToken: Ct);
            kept.Metadata.Uid.ShouldBe(uid);
            kept.Data["k"].ShouldBe("v");
            second.Store.ResourceVersion.ShouldBeGreaterThanOrEqualTo(version);
            second.Store.List(ResourceTypes.ConfigMaps, "staging").Items.Count(c => c["metadata"]!["name"]!.GetValue<string>() == "kept").ShouldBe(1);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
