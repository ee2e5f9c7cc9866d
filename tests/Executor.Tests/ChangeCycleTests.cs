using k8s;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Executor.Tests.Support;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Persistence;
using static K8sAgentPlatform.Executor.Tests.Support.TestCluster;

namespace K8sAgentPlatform.Executor.Tests;

/// <summary>For every mutating operation type: execute, verify, roll back, and compare with the state before.</summary>
public sealed class ChangeCycleTests
{
    [Theory]
    [InlineData(ResourceType.Deployment)]
    [InlineData(ResourceType.StatefulSet)]
    [InlineData(ResourceType.ReplicaSet)]
    public async Task Scale_is_verified_and_rolled_back_exactly(ResourceType type)
    {
        await using var cluster = await StartAsync();
        var kind = Kinds.Of(type).Kind;
        var before = await cluster.CreateAsync(type, Workload(kind, "api", 2, "registry.k8s.io/api:1.0.0"));

        var executed = await cluster.RunAsync(Op(OperationType.Scale, type, "api", new ScaleParameters { Replicas = 4 }));

        executed.Success.ShouldBeTrue(executed.Error);
        executed.Result!.ShouldContain("scaled from 2 to 4");
        var after = await cluster.ReadAsync(type, "api");
        after["spec"]!["replicas"]!.GetValue<int>().ShouldBe(4);
        after["status"]!["readyReplicas"]!.GetValue<int>().ShouldBe(4);

        var restored = await cluster.RollBackAsync(executed);

        restored.Success.ShouldBeTrue(restored.Message);
        ShouldMatch(before, await cluster.ReadAsync(type, "api"));
    }

    [Theory]
    [InlineData(ResourceType.Deployment)]
    [InlineData(ResourceType.StatefulSet)]
    [InlineData(ResourceType.DaemonSet)]
    public async Task Restart_is_verified_and_rolled_back_exactly(ResourceType type)
    {
        await using var cluster = await StartAsync();
        var kind = Kinds.Of(type).Kind;
        var before = await cluster.CreateAsync(type, Workload(kind, "worker", type == ResourceType.DaemonSet ? null : 2, "registry.k8s.io/worker:2.1"));

        var executed = await cluster.RunAsync(Op(OperationType.Restart, type, "worker"));

        executed.Success.ShouldBeTrue(executed.Error);
        var after = await cluster.ReadAsync(type, "worker");
        after["spec"]!["template"]!["metadata"]!["annotations"]![ExecutorRequests.RestartedAtAnnotation].ShouldNotBeNull();

        (await cluster.RollBackAsync(executed)).Success.ShouldBeTrue();
        ShouldMatch(before, await cluster.ReadAsync(type, "worker"));
    }

    [Fact]
    public async Task Update_image_rolls_out_the_new_image_and_the_rollback_brings_back_the_old_template()
    {
        await using var cluster = await StartAsync();
        var before = await cluster.CreateDeploymentAsync();

        var executed = await cluster.RunAsync(Op(OperationType.UpdateImage, ResourceType.Deployment, "web",
            new UpdateImageParameters { ContainerName = "web", Image = "registry.k8s.io/web", Tag = "1.1.0" }));

        executed.Success.ShouldBeTrue(executed.Error);
        executed.Result!.ShouldContain("registry.k8s.io/web:1.0.0 -> registry.k8s.io/web:1.1.0");
        var pods = await cluster.Client.CoreV1.ListNamespacedPodAsync(namespaceParameter: Ns, labelSelector: "app=web");
        pods.Items.Where(p => p.Metadata.DeletionTimestamp is null).ShouldAllBe(p => p.Spec.Containers[0].Image == "registry.k8s.io/web:1.1.0");

        var restored = await cluster.RollBackAsync(executed);

        restored.Success.ShouldBeTrue(restored.Message);
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.Deployment, "web"));
    }

    [Fact]
    public async Task Update_image_of_a_container_that_does_not_exist_is_refused_before_any_change()
    {
        await using var cluster = await StartAsync();
        var before = await cluster.CreateDeploymentAsync();

        var executed = await cluster.RunAsync(Op(OperationType.UpdateImage, ResourceType.Deployment, "web",
            new UpdateImageParameters { ContainerName = "sidecar", Image = "registry.k8s.io/web", Tag = "1.1.0" }));

        executed.Success.ShouldBeFalse();
        executed.Error!.ShouldContain("no container 'sidecar'");
        cluster.Snapshots.All.ShouldBeEmpty();
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.Deployment, "web"));
    }

    [Fact]
    public async Task Update_config_of_a_configmap_key_is_rolled_back_exactly()
    {
        await using var cluster = await StartAsync();
        var before = await cluster.CreateAsync(ResourceType.ConfigMap,
            $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app-config","namespace":"{{{Ns}}}","labels":{"app":"web"}},"data":{"LOG_LEVEL":"info","MODE":"a"}}""");

        var executed = await cluster.RunAsync(Op(OperationType.UpdateConfig, ResourceType.ConfigMap, "app-config",
            new UpdateConfigParameters { ConfigmapName = "app-config", Key = "LOG_LEVEL", Value = "debug" }));

        executed.Success.ShouldBeTrue(executed.Error);
        (await cluster.ReadAsync(ResourceType.ConfigMap, "app-config"))["data"]!["LOG_LEVEL"]!.GetValue<string>().ShouldBe("debug");

        (await cluster.RollBackAsync(executed)).Success.ShouldBeTrue();
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.ConfigMap, "app-config"));
    }

    [Fact]
    public async Task Update_config_of_a_secret_never_shows_the_value_and_is_rolled_back_exactly()
    {
        const string value = "hunter2-very-secret-value";
        await using var cluster = await StartAsync();
        var before = await cluster.CreateAsync(ResourceType.Secret,
            $$$"""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"{{{Ns}}}"},"type":"Opaque","data":{"USER":"YWRtaW4="}}""");

        var executed = await cluster.RunAsync(Op(OperationType.UpdateConfig, ResourceType.Secret, "db",
            new UpdateConfigParameters { ConfigmapName = "db", Key = "PASSWORD", Value = value }));
        var status = await cluster.RunAsync(Op(OperationType.GetStatus, ResourceType.Secret, "db"));

        executed.Success.ShouldBeTrue(executed.Error);
        var shown = string.Join("\n", new[] { executed.Result, executed.Error, status.Result }.Concat(executed.Evidence));
        shown.ShouldNotContain(value);
        shown.ShouldNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value)));
        // The sandbox keeps stringData apart instead of folding it into data, so only USER is certain here.
        status.Result!.ShouldContain("keys: ");
        status.Result!.ShouldContain("USER");

        (await cluster.RollBackAsync(executed)).Success.ShouldBeTrue();
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.Secret, "db"));
    }

    [Theory]
    [InlineData(ResourceType.Deployment)]
    [InlineData(ResourceType.ConfigMap)]
    [InlineData(ResourceType.Service)]
    public async Task Delete_is_snapshotted_first_and_the_rollback_creates_the_object_again(ResourceType type)
    {
        await using var cluster = await StartAsync();
        var before = type switch
        {
            ResourceType.Deployment => await cluster.CreateDeploymentAsync("gone"),
            ResourceType.ConfigMap => await cluster.CreateAsync(type, $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"gone","namespace":"{{{Ns}}}","annotations":{"a":"b"}},"data":{"k":"v"}}"""),
            _ => await cluster.CreateAsync(type, $$$"""{"apiVersion":"v1","kind":"Service","metadata":{"name":"gone","namespace":"{{{Ns}}}"},"spec":{"selector":{"app":"gone"},"ports":[{"port":80,"targetPort":8080,"protocol":"TCP"}]}}"""),
        };

        var executed = await cluster.RunAsync(Op(OperationType.Delete, type, "gone"));

        executed.Success.ShouldBeTrue(executed.Error);
        (await cluster.Objects.ReadAsync(type, Ns, "gone", default)).ShouldBeNull();

        var restored = await cluster.RollBackAsync(executed);

        restored.Success.ShouldBeTrue(restored.Message);
        restored.Message.ShouldContain("created again");
        ShouldMatch(before, await cluster.ReadAsync(type, "gone"));
    }

    [Fact]
    public async Task Apply_manifest_snapshots_each_object_and_the_rollback_deletes_the_new_one_and_restores_the_changed_one()
    {
        await using var cluster = await StartAsync();
        var before = await cluster.CreateDeploymentAsync();
        var manifest = $"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: {Ns}
              labels: {"{"} app: web, team: payments {"}"}
            spec:
              replicas: 3
              selector:
                matchLabels: {"{"} app: web {"}"}
              template:
                metadata:
                  labels: {"{"} app: web {"}"}
                spec:
                  containers:
                  - name: web
                    image: registry.k8s.io/web:1.2.0
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: web-extra
            data:
              FEATURE: "on"
            """;

        var executed = await cluster.RunAsync(Op(OperationType.ApplyManifest, ResourceType.Deployment, "web", new ApplyManifestParameters { Manifest = manifest }));

        executed.Success.ShouldBeTrue(executed.Error);
        executed.Result!.ShouldContain("configmap/web-extra in staging created");
        (await cluster.ReadAsync(ResourceType.Deployment, "web"))["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);

        var restored = await cluster.RollBackAsync(executed);

        restored.Success.ShouldBeTrue(restored.Message);
        (await cluster.Objects.ReadAsync(ResourceType.ConfigMap, Ns, "web-extra", default)).ShouldBeNull();
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.Deployment, "web"));
    }

    [Fact]
    public async Task Apply_manifest_of_a_new_object_stores_a_snapshot_that_did_not_exist_and_the_rollback_deletes_it()
    {
        await using var cluster = await StartAsync();
        var manifest = $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fresh","namespace":"{{{Ns}}}"},"data":{"a":"1"}}""";

        var executed = await cluster.RunAsync(Op(OperationType.ApplyManifest, ResourceType.ConfigMap, "fresh", new ApplyManifestParameters { Manifest = manifest }));

        executed.Success.ShouldBeTrue(executed.Error);
        var snapshot = await cluster.Snapshots.GetAsync(executed.SnapshotId!);
        snapshot!.Existed.ShouldBeFalse();
        snapshot.ObjectJson.ShouldBeNull();
        (await cluster.RollBackAsync(executed)).Success.ShouldBeTrue();
        (await cluster.Objects.ReadAsync(ResourceType.ConfigMap, Ns, "fresh", default)).ShouldBeNull();
    }

    [Fact]
    public async Task Rollback_to_a_revision_brings_back_that_revisions_template_like_rollout_undo()
    {
        var lists = new ListRecorder();
        await using var cluster = await StartAsync(extraHandlers: lists);
        var before = await cluster.CreateDeploymentAsync();
        var update = await cluster.RunAsync(Op(OperationType.UpdateImage, ResourceType.Deployment, "web",
            new UpdateImageParameters { ContainerName = "web", Image = "registry.k8s.io/web", Tag = "2.0.0" }));
        update.Success.ShouldBeTrue(update.Error);
        lists.Uris.Clear();

        var undo = await cluster.RunAsync(Op(OperationType.Rollback, ResourceType.Deployment, "web", new RollbackParameters()));

        undo.Success.ShouldBeTrue(undo.Error);
        undo.Result!.ShouldContain("rolled back to revision 1");
        // The history is read from the replicasets the deployment's selector matches, not from every one in the namespace.
        lists.Of("replicasets").ShouldNotBeEmpty();
        lists.Of("replicasets").ShouldAllBe(u => u.Query.Contains("labelSelector=app%3Dweb", StringComparison.Ordinal));
        var after = await cluster.ReadAsync(ResourceType.Deployment, "web");
        JsonDiff.Differences(before["spec"], after["spec"]).ShouldBeEmpty();

        // The rollback is a change too: its own snapshot undoes it.
        (await cluster.RollBackAsync(undo)).Success.ShouldBeTrue();
        (await cluster.ReadAsync(ResourceType.Deployment, "web"))["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>().ShouldBe("registry.k8s.io/web:2.0.0");
    }

    [Fact]
    public async Task Rollback_to_a_snapshot_restores_it_and_marks_it_consumed()
    {
        await using var cluster = await StartAsync();
        var before = await cluster.CreateDeploymentAsync();
        var scaled = await cluster.RunAsync(Op(OperationType.Scale, ResourceType.Deployment, "web", new ScaleParameters { Replicas = 5 }));
        // The state the scale left is recorded on its snapshot: what a restore compares the live object with.
        var recorded = System.Text.Json.Nodes.JsonNode.Parse((await cluster.Snapshots.GetAsync(scaled.SnapshotId!))!.AfterJson!)!;
        recorded["spec"]!["replicas"]!.GetValue<int>().ShouldBe(5);
        recorded["status"].ShouldBeNull();
        // While verifying, the executor kept the rollout's progress on the execution record; the last is the finished rollout.
        (await cluster.Records.FindAsync(scaled.RequestId, scaled.Index))!.Progress!.ShouldStartWith("desired 5, updated 5, ready 5");

        var undo = await cluster.RunAsync(Op(OperationType.Rollback, ResourceType.Deployment, "web", new RollbackParameters { SnapshotId = scaled.SnapshotId }));

        undo.Success.ShouldBeTrue(undo.Error);
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.Deployment, "web"));
        (await cluster.Snapshots.GetAsync(scaled.SnapshotId!))!.Consumed.ShouldBeTrue();
        var again = await cluster.RunAsync(Op(OperationType.Rollback, ResourceType.Deployment, "web", new RollbackParameters { SnapshotId = scaled.SnapshotId }), index: 1);
        again.Result!.ShouldContain("restored already");
    }

    [Fact]
    public async Task Cordon_and_uncordon_change_only_schedulability_and_roll_back_exactly()
    {
        await using var cluster = await StartAsync();
        var before = await cluster.ReadAsync(ResourceType.Node, "worker-1", ns: null);

        var cordoned = await cluster.RunAsync(Op(OperationType.CordonNode, ResourceType.Node, "worker-1"));

        cordoned.Success.ShouldBeTrue(cordoned.Error);
        (await cluster.ReadAsync(ResourceType.Node, "worker-1", ns: null))["spec"]!["unschedulable"]!.GetValue<bool>().ShouldBeTrue();
        var uncordoned = await cluster.RunAsync(Op(OperationType.UncordonNode, ResourceType.Node, "worker-1"));
        uncordoned.Success.ShouldBeTrue(uncordoned.Error);
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.Node, "worker-1", ns: null));

        (await cluster.RollBackAsync(uncordoned)).Success.ShouldBeTrue();
        (await cluster.RollBackAsync(cordoned)).Success.ShouldBeTrue();
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.Node, "worker-1", ns: null));
    }

    [Fact]
    public async Task Drain_evicts_every_pod_but_daemonset_pods_and_the_rollback_uncordons()
    {
        await using var cluster = await StartAsync();
        await cluster.CreateDeploymentAsync(replicas: 6);
        await cluster.CreateAsync(ResourceType.DaemonSet, Workload("DaemonSet", "agent", null, "registry.k8s.io/agent:1.0"));
        var before = await cluster.ReadAsync(ResourceType.Node, "worker-1", ns: null);
        var onNode = await PodsOn(cluster, "worker-1");
        onNode.ShouldContain(p => p.StartsWith("web-", StringComparison.Ordinal));

        var drained = await cluster.RunAsync(Op(OperationType.DrainNode, ResourceType.Node, "worker-1", new DrainNodeParameters()));

        drained.Success.ShouldBeTrue(drained.Error);
        var left = await PodsOn(cluster, "worker-1");
        left.ShouldAllBe(p => p.StartsWith("agent-", StringComparison.Ordinal));
        left.ShouldNotBeEmpty();

        (await cluster.RollBackAsync(drained)).Success.ShouldBeTrue();
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.Node, "worker-1", ns: null));
    }

    private static async Task<IReadOnlyList<string>> PodsOn(TestCluster cluster, string node) =>
        (await cluster.Client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: $"spec.nodeName={node}")).Items
            .Where(p => p.Metadata.DeletionTimestamp is null)
            .Select(p => p.Metadata.Name)
            .ToArray();
}
