using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace K8sAgentPlatform.KubeSandbox.Tests;

public sealed class ControllerTests : IAsyncLifetime
{
    private SandboxServer server = null!;
    private Kubernetes client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        server = await Sandbox.StartAsync();
        client = server.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_watch_sees_a_rollout_through_to_completion()
    {
        var start = await Eventually.WaitAsync(
            () => client.AppsV1.ReadNamespacedDeploymentAsync(name: "api", namespaceParameter: "staging", cancellationToken: Ct),
            d => d.Status?.AvailableReplicas == 1, "staging api available");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));

        await client.AppsV1.PatchNamespacedDeploymentAsync(
            body: new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"api","image":"ghcr.io/example/api:1.5.0"}]}}}}""", V1Patch.PatchType.StrategicMergePatch),
            name: "api", namespaceParameter: "staging", cancellationToken: Ct);

        var seen = new List<WatchEventType>();
        V1Deployment? done = null;
        await foreach (var (type, d) in client.AppsV1.WatchListNamespacedDeploymentAsync(
            namespaceParameter: "staging", fieldSelector: "metadata.name=api", resourceVersion: start.Metadata.ResourceVersion,
            timeoutSeconds: 60, cancellationToken: timeout.Token))
        {
            seen.Add(type);
            if (d.Status.ObservedGeneration >= d.Metadata.Generation && d.Status.UpdatedReplicas == 1
                && d.Status.AvailableReplicas == 1 && d.Status.Replicas == 1
                && d.Spec.Template.Spec.Containers[0].Image == "ghcr.io/example/api:1.5.0")
            {
                done = d;
                break;
            }
        }

        done.ShouldNotBeNull();
        seen.ShouldAllBe(t => t == WatchEventType.Modified);
        done.Status.Conditions.Single(c => c.Type == "Progressing").Reason.ShouldBe("NewReplicaSetAvailable");
        done.Metadata.Annotations["deployment.kubernetes.io/revision"].ShouldBe("2");
    }

    [Fact]
    public async Task A_watch_without_a_resource_version_starts_with_the_current_objects_and_sends_bookmarks()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(40));
        var types = new List<WatchEventType>();
        var names = new List<string>();
        await foreach (var (type, cm) in client.CoreV1.WatchListNamespacedConfigMapAsync(
            namespaceParameter: "production", allowWatchBookmarks: true, timeoutSeconds: 30, cancellationToken: timeout.Token))
        {
            types.Add(type);
            names.Add(cm.Metadata.Name ?? "");
            if (type == WatchEventType.Bookmark)
            {
                break;
            }
        }

        types[0].ShouldBe(WatchEventType.Added);
        names.ShouldContain("api-config");
        types[^1].ShouldBe(WatchEventType.Bookmark);
    }

    [Fact]
    public async Task Eviction_deletes_a_pod_unless_a_disruption_budget_would_be_violated()
    {
        var budget = await Eventually.WaitAsync(
            () => client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync(name: "api", namespaceParameter: "production", cancellationToken: Ct),
            b => b.Status?.CurrentHealthy == 3 && b.Status.DisruptionsAllowed == 1, "the api budget to allow one disruption");
        budget.Status.DesiredHealthy.ShouldBe(2);
        var pods = (await client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "production", labelSelector: "app=api", cancellationToken: Ct)).Items;
        await client.PolicyV1.PatchNamespacedPodDisruptionBudgetAsync(body: new V1Patch("""{"spec":{"minAvailable":3}}""", V1Patch.PatchType.MergePatch),
            name: "api", namespaceParameter: "production", cancellationToken: Ct);

        var blocked = await Should.ThrowAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodEvictionAsync(
            body: new V1Eviction { Metadata = new V1ObjectMeta { Name = pods[0].Metadata.Name, NamespaceProperty = "production" } },
            name: pods[0].Metadata.Name, namespaceParameter: "production", cancellationToken: Ct));
        await client.PolicyV1.PatchNamespacedPodDisruptionBudgetAsync(body: new V1Patch("""{"spec":{"minAvailable":2}}""", V1Patch.PatchType.MergePatch),
            name: "api", namespaceParameter: "production", cancellationToken: Ct);
        await client.CoreV1.CreateNamespacedPodEvictionAsync(
            body: new V1Eviction { Metadata = new V1ObjectMeta { Name = pods[1].Metadata.Name, NamespaceProperty = "production" } },
            name: pods[1].Metadata.Name, namespaceParameter: "production", cancellationToken: Ct);

        blocked.Response.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        var status = JsonNode.Parse(blocked.Response.Content)!;
        status["reason"]!.GetValue<string>().ShouldBe("TooManyRequests");
        status["details"]!["causes"]![0]!["reason"]!.GetValue<string>().ShouldBe("DisruptionBudget");
        await client.CoreV1.ReadNamespacedPodAsync(name: pods[0].Metadata.Name, namespaceParameter: "production", cancellationToken: Ct);
        (await client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "production", labelSelector: "app=api", cancellationToken: Ct))
            .Items.Select(p => p.Metadata.Name).ShouldNotContain(pods[1].Metadata.Name);
        await Eventually.WaitAsync(
            () => client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "production", labelSelector: "app=api", cancellationToken: Ct),
            l => l.Items.Count(p => p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true) == 3, "the evicted pod to be replaced");
    }

    [Fact]
    public async Task Eviction_without_a_budget_succeeds_and_the_pod_is_replaced_away_from_a_cordoned_node()
    {
        var pods = await Eventually.WaitAsync(
            () => client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "production", labelSelector: "app=worker", cancellationToken: Ct),
            l => l.Items.Count == 2 && l.Items.All(p => p.Spec.NodeName is not null), "worker pods scheduled");
        var victim = pods.Items[0];
        await client.CoreV1.PatchNodeAsync(body: new V1Patch("""{"spec":{"unschedulable":true}}""", V1Patch.PatchType.StrategicMergePatch),
            name: victim.Spec.NodeName, cancellationToken: Ct);

        await client.CoreV1.CreateNamespacedPodEvictionAsync(
            body: new V1Eviction { Metadata = new V1ObjectMeta { Name = victim.Metadata.Name, NamespaceProperty = "production" } },
            name: victim.Metadata.Name, namespaceParameter: "production", cancellationToken: Ct);

        var after = await Eventually.WaitAsync(
            () => client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "production", labelSelector: "app=worker", cancellationToken: Ct),
            l => l.Items.Count == 2 && l.Items.All(p => p.Status.Phase == "Running"), "a replacement worker pod");
        var replacement = after.Items.Single(p => p.Metadata.Name != pods.Items[1].Metadata.Name);
        replacement.Metadata.Name.ShouldNotBe(victim.Metadata.Name);
        replacement.Spec.NodeName.ShouldNotBe(victim.Spec.NodeName);
    }

    [Fact]
    public async Task A_bad_image_shows_image_pull_back_off_then_exceeds_the_progress_deadline()
    {
        await client.AppsV1.PatchNamespacedDeploymentAsync(
            body: new V1Patch("""{"spec":{"progressDeadlineSeconds":2,"template":{"spec":{"containers":[{"name":"api","image":"unreachable.example/api:1.5.0"}]}}}}""", V1Patch.PatchType.StrategicMergePatch),
            name: "api", namespaceParameter: "dev", cancellationToken: Ct);

        var pulling = await Eventually.WaitAsync(
            () => client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "dev", labelSelector: "app=api", cancellationToken: Ct),
            l => l.Items.Any(p => p.Status.ContainerStatuses?.Any(c => c.State.Waiting?.Reason == "ImagePullBackOff") == true), "an ImagePullBackOff pod");
        pulling.Items.Count(p => p.Status.Phase == "Running").ShouldBe(1);
        var stuck = await Eventually.WaitAsync(
            () => client.AppsV1.ReadNamespacedDeploymentAsync(name: "api", namespaceParameter: "dev", cancellationToken: Ct),
            d => d.Status?.Conditions?.Any(c => c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded") == true,
            "ProgressDeadlineExceeded");

        stuck.Status.Conditions.Single(c => c.Type == "Progressing").Status.ShouldBe("False");
        stuck.Status.AvailableReplicas.ShouldBe(1);
        var events = await client.CoreV1.ListNamespacedEventAsync(namespaceParameter: "dev", fieldSelector: "reason=BackOff", cancellationToken: Ct);
        events.Items.ShouldContain(e => e.Message.Contains("unreachable.example/api:1.5.0"));
    }

    [Fact]
    public async Task A_crash_flag_gives_crash_loop_back_off_with_a_growing_restart_count()
    {
        await client.AppsV1.PatchNamespacedDeploymentAsync(
            body: new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"CRASH","value":"1"}]}]}}}}""", V1Patch.PatchType.StrategicMergePatch),
            name: "web", namespaceParameter: "dev", cancellationToken: Ct);

        var first = await Eventually.WaitAsync(
            () => client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "dev", labelSelector: "app=web", cancellationToken: Ct),
            l => l.Items.Any(p => p.Status.ContainerStatuses?.Any(c => c.State.Waiting?.Reason == "CrashLoopBackOff") == true), "a crash-looping pod");
        var name = first.Items.First(p => p.Status.ContainerStatuses?.Any(c => c.State.Waiting?.Reason == "CrashLoopBackOff") == true).Metadata.Name;
        var restarts = (await client.CoreV1.ReadNamespacedPodAsync(name: name, namespaceParameter: "dev", cancellationToken: Ct)).Status.ContainerStatuses[0].RestartCount;

        var later = await Eventually.WaitAsync(
            () => client.CoreV1.ReadNamespacedPodAsync(name: name, namespaceParameter: "dev", cancellationToken: Ct),
            p => p.Status.ContainerStatuses[0].RestartCount > restarts, "the restart count to grow");
        later.Status.ContainerStatuses[0].LastState.Terminated.ExitCode.ShouldBe(1);
        later.Status.ContainerStatuses[0].Ready.ShouldBeFalse();
    }

    [Fact]
    public async Task Statefulsets_and_daemonsets_roll_out_a_new_template()
    {
        await Eventually.WaitAsync(
            () => client.AppsV1.ReadNamespacedStatefulSetAsync(name: "postgres", namespaceParameter: "production", cancellationToken: Ct),
            s => s.Status?.ReadyReplicas == 2, "postgres ready");
        await client.AppsV1.PatchNamespacedStatefulSetAsync(
            body: new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"postgres","image":"postgres:17.0"}]}}}}""", V1Patch.PatchType.StrategicMergePatch),
            name: "postgres", namespaceParameter: "production", cancellationToken: Ct);
        await client.AppsV1.PatchNamespacedDaemonSetAsync(
            body: new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"kube-proxy","image":"registry.k8s.io/kube-proxy:v1.32.1"}]}}}}""", V1Patch.PatchType.StrategicMergePatch),
            name: "kube-proxy", namespaceParameter: "kube-system", cancellationToken: Ct);

        var sts = await Eventually.WaitAsync(
            () => client.AppsV1.ReadNamespacedStatefulSetAsync(name: "postgres", namespaceParameter: "production", cancellationToken: Ct),
            s => s.Status?.ObservedGeneration == 2 && s.Status.UpdatedReplicas == 2 && s.Status.ReadyReplicas == 2
                && s.Status.CurrentRevision == s.Status.UpdateRevision, "postgres rolled out");
        var ds = await Eventually.WaitAsync(
            () => client.AppsV1.ReadNamespacedDaemonSetAsync(name: "kube-proxy", namespaceParameter: "kube-system", cancellationToken: Ct),
            d => d.Status?.ObservedGeneration == 2 && d.Status.UpdatedNumberScheduled == 3 && d.Status.NumberAvailable == 3, "kube-proxy rolled out");

        sts.Status.ObservedGeneration.ShouldBe(2);
        ds.Status.DesiredNumberScheduled.ShouldBe(3);
        var postgres = await client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "production", labelSelector: "app=postgres", cancellationToken: Ct);
        postgres.Items.Select(p => p.Metadata.Name).Order().ShouldBe(["postgres-0", "postgres-1"]);
        postgres.Items.ShouldAllBe(p => p.Spec.Containers[0].Image == "postgres:17.0");
        var proxies = await client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "kube-system", labelSelector: "k8s-app=kube-proxy", cancellationToken: Ct);
        proxies.Items.Select(p => p.Spec.NodeName).Order().ShouldBe(["worker-1", "worker-2", "worker-3"]);
    }

    [Fact]
    public async Task The_status_subresource_changes_only_status_and_the_main_resource_ignores_status()
    {
        var hpa = await client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name: "api", namespaceParameter: "production", cancellationToken: Ct);
        await client.AutoscalingV2.PatchNamespacedHorizontalPodAutoscalerStatusAsync(
            body: new V1Patch("""{"status":{"currentReplicas":4,"desiredReplicas":5},"spec":{"maxReplicas":99}}""", V1Patch.PatchType.MergePatch),
            name: "api", namespaceParameter: "production", cancellationToken: Ct);
        await client.AutoscalingV2.PatchNamespacedHorizontalPodAutoscalerAsync(
            body: new V1Patch("""{"status":{"desiredReplicas":7},"spec":{"minReplicas":4}}""", V1Patch.PatchType.MergePatch),
            name: "api", namespaceParameter: "production", cancellationToken: Ct);

        var after = await client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name: "api", namespaceParameter: "production", cancellationToken: Ct);
        after.Status.DesiredReplicas.ShouldBe(5);
        after.Status.CurrentReplicas.ShouldBe(4);
        after.Spec.MaxReplicas.ShouldBe(hpa.Spec.MaxReplicas);
        after.Spec.MinReplicas.ShouldBe(4);
    }

    [Fact]
    public async Task A_rolling_update_stays_within_max_surge_and_max_unavailable()
    {
        await client.AppsV1.PatchNamespacedDeploymentAsync(
            body: new V1Patch("""{"spec":{"replicas":4,"strategy":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}}""", V1Patch.PatchType.StrategicMergePatch),
            name: "web", namespaceParameter: "staging", cancellationToken: Ct);
        await Eventually.WaitAsync(
            () => client.AppsV1.ReadNamespacedDeploymentAsync(name: "web", namespaceParameter: "staging", cancellationToken: Ct),
            d => d.Status?.ObservedGeneration == 2 && d.Status.AvailableReplicas == 4, "web at 4 available replicas");

        await client.AppsV1.PatchNamespacedDeploymentAsync(
            body: new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28.0"}]}}}}""", V1Patch.PatchType.StrategicMergePatch),
            name: "web", namespaceParameter: "staging", cancellationToken: Ct);
        var (maxPods, minReady) = (0, int.MaxValue);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var pods = server.Store.List(K8sAgentPlatform.KubeSandbox.Api.ResourceTypes.Pods, "staging",
                p => p["metadata"]!["labels"]!["app"]?.GetValue<string>() == "web").Items;
            var ready = pods.Count(p => p["status"]?["conditions"]?.AsArray().Any(c => c!["type"]!.GetValue<string>() == "Ready" && c["status"]!.GetValue<string>() == "True") == true);
            maxPods = Math.Max(maxPods, pods.Count);
            minReady = Math.Min(minReady, ready);
            var updated = pods.Count(p => p["spec"]!["containers"]![0]!["image"]!.GetValue<string>() == "nginx:1.28.0");
            if (updated == 4 && pods.Count == 4 && ready == 4)
            {
                break;
            }
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the rollout did not finish");
            await Task.Delay(10, Ct);
        }

        maxPods.ShouldBeLessThanOrEqualTo(5);
        minReady.ShouldBeGreaterThanOrEqualTo(4);
    }

    [Fact]
    public async Task Someone_else_editing_between_read_and_write_makes_the_write_conflict()
    {
        var read = await client.AppsV1.ReadNamespacedDeploymentAsync(name: "web", namespaceParameter: "staging", cancellationToken: Ct);
        server.Faults.EditBeforeNextWrite(K8sAgentPlatform.KubeSandbox.Api.ResourceTypes.Deployments, "staging", "web",
            d => d["metadata"]!["labels"]!["edited-by"] = "someone-else");

        read.Spec.Replicas = 3;
        var conflict = await Should.ThrowAsync<HttpOperationException>(() =>
            client.AppsV1.ReplaceNamespacedDeploymentAsync(body: read, name: "web", namespaceParameter: "staging", cancellationToken: Ct));

        conflict.Response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var now = await client.AppsV1.ReadNamespacedDeploymentAsync(name: "web", namespaceParameter: "staging", cancellationToken: Ct);
        now.Metadata.Labels["edited-by"].ShouldBe("someone-else");
        now.Spec.Replicas.ShouldBe(1);
    }
}
