using k8s;
using k8s.Models;

namespace K8sAgentPlatform.KubeSandbox.Tests;

public sealed class KubectlTests : IAsyncLifetime
{
    private SandboxServer server = null!;
    private Kubernetes client = null!;
    private Kubectl kubectl = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        server = await Sandbox.StartAsync();
        client = server.CreateClient();
        kubectl = new Kubectl(server);
        await Eventually.WaitAsync(
            () => client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: Ct),
            l => l.Items.All(d => d.Status?.AvailableReplicas == d.Spec.Replicas), "every seeded deployment available");
    }

    public async ValueTask DisposeAsync()
    {
        kubectl.Dispose();
        client.Dispose();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Get_prints_the_real_columns_of_each_kind()
    {
        var pods = await kubectl.RunAsync("get", "pods", "-n", "production", "-l", "app=api");
        var deployments = await kubectl.RunAsync("get", "deployments", "-n", "production", "-o", "wide");
        var nodes = await kubectl.RunAsync("get", "nodes");
        var replicaSets = await kubectl.RunAsync("get", "rs", "-n", "production");
        var services = await kubectl.RunAsync("get", "svc", "-n", "production");
        var configMaps = await kubectl.RunAsync("get", "cm", "-n", "production");

        Lines(pods)[0].ShouldMatch(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$");
        Lines(pods).Skip(1).Count().ShouldBe(3);
        Lines(pods).Skip(1).ShouldAllBe(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^api-\S+\s+1/1\s+Running\s+0\s+\d+s$"));
        Lines(deployments)[0].ShouldMatch(@"^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$");
        Lines(deployments).ShouldContain(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^api\s+3/3\s+3\s+3\s+\S+\s+api\s+ghcr.io/example/api:1.4.2\s+app=api$"));
        Lines(nodes).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).ShouldBe(["Ready", "Ready", "Ready"]);
        Lines(replicaSets)[0].ShouldMatch(@"^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$");
        Lines(services).ShouldContain(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^api\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80/TCP\s+\S+$"));
        Lines(configMaps).ShouldContain(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^api-config\s+2\s+\S+$"));
    }

    [Fact]
    public async Task Describe_shows_the_new_replicaset_and_events()
    {
        var text = await kubectl.RunAsync("describe", "deployment", "api", "-n", "production");

        text.ShouldContain("Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable");
        text.ShouldMatch(@"NewReplicaSet:\s+api-\w+ \(3/3 replicas created\)");
        text.ShouldContain("ScalingReplicaSet");
        text.ShouldContain("MinimumReplicasAvailable");
        var service = await Eventually.WaitAsync(() => kubectl.RunAsync("describe", "service", "api", "-n", "production"),
            o => System.Text.RegularExpressions.Regex.IsMatch(o, @"Endpoints:\s+(10\.244\.\d+\.\d+:8080,?){3}"), "three ready endpoints");
        service.ShouldMatch(@"TargetPort:\s+8080/TCP");
    }

    [Fact]
    public async Task Scale_changes_replicas_and_a_server_dry_run_does_not()
    {
        (await kubectl.RunAsync("scale", "deployment/web", "-n", "production", "--replicas=4")).ShouldContain("scaled");
        (await kubectl.RunAsync("scale", "deployment/worker", "-n", "production", "--replicas=7", "--dry-run=server")).ShouldContain("server dry run");

        var web = await Eventually.WaitAsync(
            () => client.AppsV1.ReadNamespacedDeploymentAsync(name: "web", namespaceParameter: "production", cancellationToken: Ct),
            d => d.Status?.ReadyReplicas == 4, "web scaled to 4 ready replicas");
        web.Spec.Replicas.ShouldBe(4);
        (await client.AppsV1.ReadNamespacedDeploymentAsync(name: "worker", namespaceParameter: "production", cancellationToken: Ct)).Spec.Replicas.ShouldBe(2);
    }

    [Fact]
    public async Task Rollout_restart_status_history_and_undo_to_a_revision()
    {
        await kubectl.RunAsync("rollout", "restart", "deployment/worker", "-n", "production");
        (await kubectl.RunAsync("rollout", "status", "deployment/worker", "-n", "production", "--timeout=90s")).ShouldContain("successfully rolled out");
        await kubectl.RunAsync("set", "image", "deployment/worker", "worker=ghcr.io/example/worker:2.1.0", "-n", "production");
        await kubectl.RunAsync("rollout", "status", "deployment/worker", "-n", "production", "--timeout=90s");

        var history = await kubectl.RunAsync("rollout", "history", "deployment/worker", "-n", "production");
        Lines(history).Where(l => char.IsDigit(l[0])).Select(l => l.Split(' ')[0]).ShouldBe(["1", "2", "3"]);
        var restarted = await client.AppsV1.ReadNamespacedDeploymentAsync(name: "worker", namespaceParameter: "production", cancellationToken: Ct);
        restarted.Spec.Template.Metadata.Annotations.ShouldContainKey("kubectl.kubernetes.io/restartedAt");

        await kubectl.RunAsync("rollout", "undo", "deployment/worker", "-n", "production", "--to-revision=1");
        (await kubectl.RunAsync("rollout", "status", "deployment/worker", "-n", "production", "--timeout=90s")).ShouldContain("successfully rolled out");

        var undone = await client.AppsV1.ReadNamespacedDeploymentAsync(name: "worker", namespaceParameter: "production", cancellationToken: Ct);
        undone.Spec.Template.Spec.Containers[0].Image.ShouldBe("ghcr.io/example/worker:2.0.1");
        (undone.Spec.Template.Metadata.Annotations ?? new Dictionary<string, string>()).ShouldNotContainKey("kubectl.kubernetes.io/restartedAt");
        undone.Metadata.Annotations["deployment.kubernetes.io/revision"].ShouldBe("4");
        var sets = await client.AppsV1.ListNamespacedReplicaSetAsync(namespaceParameter: "production", labelSelector: "app=worker", cancellationToken: Ct);
        sets.Items.Count.ShouldBe(3);
        sets.Items.Single(s => s.Spec.Replicas == 2).Metadata.Annotations["deployment.kubernetes.io/revision"].ShouldBe("4");
    }

    [Fact]
    public async Task A_bad_image_stalls_the_rollout_until_undo_brings_back_the_previous_template()
    {
        await kubectl.RunAsync("patch", "deployment", "api", "-n", "staging", "-p", """{"spec":{"progressDeadlineSeconds":4}}""");
        await kubectl.RunAsync("set", "image", "deployment/api", "api=ghcr.io/example/api:does-not-exist", "-n", "staging");

        var pods = await Eventually.WaitAsync(() => kubectl.RunAsync("get", "pods", "-n", "staging", "-l", "app=api"),
            o => o.Contains("ImagePullBackOff"), "an ImagePullBackOff pod in kubectl get");
        Lines(pods).ShouldContain(l => l.Contains("1/1") && l.Contains("Running"));
        var status = await kubectl.TryRunAsync("rollout", "status", "deployment/api", "-n", "staging", "--timeout=90s");
        status.ExitCode.ShouldNotBe(0);
        status.Error.ShouldContain("exceeded its progress deadline");

        await kubectl.RunAsync("rollout", "undo", "deployment/api", "-n", "staging");
        (await kubectl.RunAsync("rollout", "status", "deployment/api", "-n", "staging", "--timeout=90s")).ShouldContain("successfully rolled out");

        var api = await client.AppsV1.ReadNamespacedDeploymentAsync(name: "api", namespaceParameter: "staging", cancellationToken: Ct);
        api.Spec.Template.Spec.Containers[0].Image.ShouldBe("ghcr.io/example/api:1.4.2");
        api.Status.Conditions.Single(c => c.Type == "Progressing").Reason.ShouldBe("NewReplicaSetAvailable");
        var remaining = await Eventually.WaitAsync(
            () => client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "staging", labelSelector: "app=api", cancellationToken: Ct),
            l => l.Items.Count == 1, "only the good pod left");
        remaining.Items[0].Spec.Containers[0].Image.ShouldBe("ghcr.io/example/api:1.4.2");
    }

    [Fact]
    public async Task Patch_merges_strategically_reports_no_change_and_applies_json_patches()
    {
        (await kubectl.RunAsync("patch", "deployment", "web", "-n", "dev", "-p",
            """{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"A","value":"1"}]}]}}}}""")).ShouldContain("patched");
        (await kubectl.RunAsync("patch", "deployment", "web", "-n", "dev", "-p",
            """{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"A","value":"1"}]}]}}}}""")).ShouldContain("(no change)");
        await kubectl.RunAsync("patch", "deployment", "web", "-n", "dev", "--type=json", "-p", """[{"op":"replace","path":"/spec/replicas","value":2}]""");

        var web = await client.AppsV1.ReadNamespacedDeploymentAsync(name: "web", namespaceParameter: "dev", cancellationToken: Ct);
        web.Spec.Replicas.ShouldBe(2);
        web.Spec.Template.Spec.Containers.Single().Image.ShouldBe("nginx:1.27.2");
        web.Spec.Template.Spec.Containers.Single().Env.Single().Value.ShouldBe("1");
        web.Metadata.Generation.ShouldBe(3);
    }

    [Fact]
    public async Task Delete_removes_the_deployment_with_its_replicasets_and_pods()
    {
        (await kubectl.RunAsync("delete", "deployment", "web", "-n", "staging")).ShouldContain("deleted");

        var missing = await kubectl.TryRunAsync("get", "deployment", "web", "-n", "staging");
        missing.ExitCode.ShouldNotBe(0);
        missing.Error.ShouldContain("NotFound");
        (await client.AppsV1.ListNamespacedReplicaSetAsync(namespaceParameter: "staging", labelSelector: "app=web", cancellationToken: Ct)).Items.ShouldBeEmpty();
        (await client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "staging", labelSelector: "app=web", cancellationToken: Ct)).Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task Logs_of_a_deployment_and_of_a_pod_container()
    {
        var pod = (await client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "production", labelSelector: "app=api", cancellationToken: Ct)).Items[0];

        var tail = await kubectl.RunAsync("logs", "deployment/api", "-n", "production", "--tail=1");
        var full = await kubectl.RunAsync("logs", pod.Metadata.Name, "-c", "api", "-n", "production");

        Lines(tail).Length.ShouldBe(1);
        full.ShouldContain("starting api (ghcr.io/example/api:1.4.2)");
    }

    [Fact]
    public async Task Cordon_and_uncordon_toggle_unschedulable()
    {
        await kubectl.RunAsync("cordon", "worker-2");
        (await client.CoreV1.ReadNodeAsync(name: "worker-2", cancellationToken: Ct)).Spec.Unschedulable.ShouldBe(true);
        (await kubectl.RunAsync("get", "node", "worker-2")).ShouldContain("Ready,SchedulingDisabled");
        var described = await kubectl.RunAsync("describe", "node", "worker-2");
        described.ShouldMatch(@"Unschedulable:\s+true");
        described.ShouldMatch(@"HolderIdentity:\s+worker-2");
        described.ShouldContain("Non-terminated Pods:");

        await kubectl.RunAsync("uncordon", "worker-2");
        (await client.CoreV1.ReadNodeAsync(name: "worker-2", cancellationToken: Ct)).Spec.Unschedulable.ShouldBeNull();
    }

    [Fact]
    public async Task Drain_evicts_everything_but_daemonset_pods_and_they_come_back_elsewhere()
    {
        var output = await kubectl.TryRunAsync("drain", "worker-3", "--ignore-daemonsets", "--timeout=90s");

        output.ExitCode.ShouldBe(0, output.Error);
        output.All.ShouldContain("drained");
        (await client.CoreV1.ReadNodeAsync(name: "worker-3", cancellationToken: Ct)).Spec.Unschedulable.ShouldBe(true);
        var left = await client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: "spec.nodeName=worker-3", cancellationToken: Ct);
        left.Items.ShouldAllBe(p => p.Metadata.OwnerReferences[0].Kind == "DaemonSet");
        await Eventually.WaitAsync(
            () => client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: Ct),
            l => l.Items.All(d => d.Status?.ReadyReplicas == d.Spec.Replicas), "every deployment ready again");
        var pods = await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: Ct);
        pods.Items.Where(p => p.Metadata.OwnerReferences[0].Kind != "DaemonSet").ShouldAllBe(p => p.Spec.NodeName != "worker-3");
    }

    [Fact]
    public async Task Create_configmap_sends_protobuf_and_a_second_create_is_already_exists()
    {
        (await kubectl.RunAsync("create", "configmap", "flags", "--from-literal=checkout=on", "--from-literal=search=off", "-n", "dev")).ShouldContain("created");
        var again = await kubectl.TryRunAsync("create", "configmap", "flags", "--from-literal=checkout=on", "-n", "dev");
        await kubectl.RunAsync("create", "deployment", "hello", "--image=nginx:1.27", "--replicas=2", "--port=8080", "-n", "dev");

        again.ExitCode.ShouldNotBe(0);
        again.Error.ShouldContain("already exists");
        var flags = await client.CoreV1.ReadNamespacedConfigMapAsync(name: "flags", namespaceParameter: "dev", cancellationToken: Ct);
        flags.Data.ShouldBe(new Dictionary<string, string> { ["checkout"] = "on", ["search"] = "off" }, ignoreOrder: true);
        var hello = await Eventually.WaitAsync(
            () => client.AppsV1.ReadNamespacedDeploymentAsync(name: "hello", namespaceParameter: "dev", cancellationToken: Ct),
            d => d.Status?.ReadyReplicas == 2, "hello ready");
        hello.Spec.Template.Spec.Containers.Single().Ports.Single().ContainerPort.ShouldBe(8080);
        hello.Spec.Selector.MatchLabels["app"].ShouldBe("hello");
    }

    [Fact]
    public async Task Apply_creates_then_configures_a_deployment()
    {
        var file = Path.Combine(Path.GetTempPath(), $"apply-{Guid.NewGuid():N}.yaml");
        const string Manifest = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: applied
              namespace: dev
            spec:
              replicas: REPLICAS
              selector:
                matchLabels: {app: applied}
              template:
                metadata:
                  labels: {app: applied}
                spec:
                  containers:
                  - name: app
                    image: nginx:1.27
            """;
        try
        {
            File.WriteAllText(file, Manifest.Replace("REPLICAS", "1"));
            (await kubectl.RunAsync("apply", "-f", file)).ShouldContain("created");
            File.WriteAllText(file, Manifest.Replace("REPLICAS", "3"));
            (await kubectl.RunAsync("apply", "-f", file)).ShouldContain("configured");
        }
        finally
        {
            File.Delete(file);
        }

        var applied = await Eventually.WaitAsync(
            () => client.AppsV1.ReadNamespacedDeploymentAsync(name: "applied", namespaceParameter: "dev", cancellationToken: Ct),
            d => d.Status?.ReadyReplicas == 3, "applied scaled to 3");
        applied.Metadata.Annotations.ShouldContainKey("kubectl.kubernetes.io/last-applied-configuration");
        applied.Metadata.Generation.ShouldBe(2);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

public sealed class KubectlOverHttpsTests
{
    [Fact]
    public async Task Kubectl_sends_the_kubeconfig_token_over_tls_and_a_wrong_token_is_refused()
    {
        await using var server = await Sandbox.StartAsync(seed: null, https: true, token: "kubectl-token");
        using var kubectl = new Kubectl(server);

        var namespaces = await kubectl.RunAsync("get", "namespaces");
        File.WriteAllText(kubectl.KubeconfigPath, File.ReadAllText(kubectl.KubeconfigPath).Replace("kubectl-token", "wrong-token"));
        var refused = await kubectl.TryRunAsync("get", "namespaces");

        namespaces.ShouldContain("kube-system");
        namespaces.ShouldMatch(@"default\s+Active");
        refused.ExitCode.ShouldNotBe(0);
        refused.Error.ShouldContain("Unauthorized");
    }
}
