using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace K8sAgentPlatform.KubeSandbox.Tests;

public sealed class ClientApiTests : IAsyncLifetime
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
    public async Task Reading_a_seeded_deployment_returns_its_spec_and_metadata()
    {
        var api = await client.AppsV1.ReadNamespacedDeploymentAsync(name: "api", namespaceParameter: "production", cancellationToken: Ct);

        api.Spec.Replicas.ShouldBe(3);
        api.Spec.Template.Spec.Containers.Single().Image.ShouldBe("ghcr.io/example/api:1.4.2");
        api.Metadata.Uid.ShouldNotBeNullOrEmpty();
        api.Metadata.Generation.ShouldBe(1);
        long.Parse(api.Metadata.ResourceVersion).ShouldBeGreaterThan(0);
        api.Metadata.CreationTimestamp.ShouldNotBeNull();
    }

    [Fact]
    public async Task Listing_pods_filters_by_label_and_field_selectors()
    {
        await Eventually.WaitAsync(
            () => client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "production", labelSelector: "app in (api,web)", cancellationToken: Ct),
            l => l.Items.Count == 5 && l.Items.All(p => p.Status.Phase == "Running"), "api and web pods running");

        var api = await client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "production", labelSelector: "app=api", cancellationToken: Ct);
        api.Items.Count.ShouldBe(3);
        api.Items.ShouldAllBe(p => p.Metadata.Labels["app"] == "api");
        api.Metadata.ResourceVersion.ShouldNotBeNullOrEmpty();

        var notApi = await client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "production", labelSelector: "app!=api,tier", cancellationToken: Ct);
        notApi.Items.ShouldNotBeEmpty();
        notApi.Items.ShouldAllBe(p => p.Metadata.Labels["app"] != "api" && p.Metadata.Labels.ContainsKey("tier"));

        var notIn = await client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "production", labelSelector: "app notin (api,web,worker),!missing", cancellationToken: Ct);
        notIn.Items.ShouldAllBe(p => p.Metadata.Labels["app"] == "postgres");

        var node = api.Items[0].Spec.NodeName;
        var onNode = await client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: $"spec.nodeName={node}", cancellationToken: Ct);
        onNode.Items.ShouldNotBeEmpty();
        onNode.Items.ShouldAllBe(p => p.Spec.NodeName == node);

        var byName = await client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: $"metadata.name={api.Items[0].Metadata.Name},status.phase=Running", cancellationToken: Ct);
        byName.Items.Single().Metadata.Name.ShouldBe(api.Items[0].Metadata.Name);
    }

    [Fact]
    public async Task Lists_page_with_limit_and_continue()
    {
        var all = await client.CoreV1.ListNamespacedConfigMapAsync(namespaceParameter: "production", cancellationToken: Ct);
        for (var i = 0; i < 5; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(body: new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"page-{i}" } },
                namespaceParameter: "production", cancellationToken: Ct);
        }

        var names = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await client.CoreV1.ListNamespacedConfigMapAsync(namespaceParameter: "production", limit: 2, continueParameter: next, cancellationToken: Ct);
            page.Items.Count.ShouldBeLessThanOrEqualTo(2);
            names.AddRange(page.Items.Select(c => c.Metadata.Name));
            next = page.Metadata.ContinueProperty;
            pages++;
        }
        while (!string.IsNullOrEmpty(next));

        names.Count.ShouldBe(all.Items.Count + 5);
        names.ShouldBeUnique();
        pages.ShouldBe((names.Count + 1) / 2);
    }

    [Fact]
    public async Task Scaling_through_the_scale_subresource_changes_replicas_and_pods_follow()
    {
        var scale = await client.AppsV1.PatchNamespacedDeploymentScaleAsync(
            body: new V1Patch(new { spec = new { replicas = 5 } }, V1Patch.PatchType.MergePatch),
            name: "web", namespaceParameter: "production", cancellationToken: Ct);

        scale.Spec.Replicas.ShouldBe(5);
        scale.Kind.ShouldBe("Scale");
        scale.Status.Selector.ShouldBe("app=web");
        var web = await Eventually.WaitAsync(
            () => client.AppsV1.ReadNamespacedDeploymentAsync(name: "web", namespaceParameter: "production", cancellationToken: Ct),
            d => d.Status?.ReadyReplicas == 5 && d.Status.AvailableReplicas == 5, "web to have 5 ready replicas");
        web.Metadata.Generation.ShouldBe(2);
        var pods = await client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "production", labelSelector: "app=web", cancellationToken: Ct);
        pods.Items.Count.ShouldBe(5);
    }

    [Fact]
    public async Task Strategic_merge_of_one_container_image_keeps_the_other_containers()
    {
        await client.AppsV1.CreateNamespacedDeploymentAsync(body: TwoContainerDeployment("shop"), namespaceParameter: "default", cancellationToken: Ct);

        var patch = """{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"sidecar"}],"containers":[{"name":"app","image":"shop:2.0"}]}}}}""";
        var patched = await client.AppsV1.PatchNamespacedDeploymentAsync(
            body: new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), name: "shop", namespaceParameter: "default", cancellationToken: Ct);

        var containers = patched.Spec.Template.Spec.Containers;
        containers.Select(c => c.Name).ShouldBe(["app", "sidecar"]);
        containers[0].Image.ShouldBe("shop:2.0");
        containers[0].Env.Single().Name.ShouldBe("MODE");
        containers[1].Image.ShouldBe("envoy:1.31");
        patched.Metadata.Generation.ShouldBe(2);
        using var http = new HttpClient();
        var json = await http.GetStringAsync($"{server.BaseUrl}/apis/apps/v1/namespaces/default/deployments/shop", Ct);
        json.ShouldNotContain("$setElementOrder");
    }

    [Fact]
    public async Task A_dry_run_patch_answers_the_result_but_stores_nothing()
    {
        var before = await client.AppsV1.ReadNamespacedDeploymentAsync(name: "worker", namespaceParameter: "production", cancellationToken: Ct);

        var answer = await client.AppsV1.PatchNamespacedDeploymentAsync(
            body: new V1Patch(new { spec = new { replicas = 9 } }, V1Patch.PatchType.MergePatch),
            name: "worker", namespaceParameter: "production", dryRun: "All", cancellationToken: Ct);
        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(
            body: new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "dry" }, Data = new Dictionary<string, string> { ["a"] = "b" } },
            namespaceParameter: "dev", dryRun: "All", cancellationToken: Ct);

        answer.Spec.Replicas.ShouldBe(9);
        created.Metadata.Name.ShouldBe("dry");
        var after = await client.AppsV1.ReadNamespacedDeploymentAsync(name: "worker", namespaceParameter: "production", cancellationToken: Ct);
        after.Spec.Replicas.ShouldBe(2);
        after.Metadata.Generation.ShouldBe(before.Metadata.Generation);
        var missing = await Should.ThrowAsync<HttpOperationException>(() =>
            client.CoreV1.ReadNamespacedConfigMapAsync(name: "dry", namespaceParameter: "dev", cancellationToken: Ct));
        missing.Response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Replacing_with_a_stale_resource_version_is_a_409_conflict()
    {
        var first = await client.CoreV1.ReadNamespacedConfigMapAsync(name: "api-config", namespaceParameter: "production", cancellationToken: Ct);
        var stale = await client.CoreV1.ReadNamespacedConfigMapAsync(name: "api-config", namespaceParameter: "production", cancellationToken: Ct);
        first.Data["LOG_LEVEL"] = "warn";
        var replaced = await client.CoreV1.ReplaceNamespacedConfigMapAsync(body: first, name: "api-config", namespaceParameter: "production", cancellationToken: Ct);
        long.Parse(replaced.Metadata.ResourceVersion).ShouldBeGreaterThan(long.Parse(first.Metadata.ResourceVersion));

        stale.Data["LOG_LEVEL"] = "error";
        var conflict = await Should.ThrowAsync<HttpOperationException>(() =>
            client.CoreV1.ReplaceNamespacedConfigMapAsync(body: stale, name: "api-config", namespaceParameter: "production", cancellationToken: Ct));

        conflict.Response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var status = JsonNode.Parse(conflict.Response.Content)!;
        status["kind"]!.GetValue<string>().ShouldBe("Status");
        status["reason"]!.GetValue<string>().ShouldBe("Conflict");
        status["code"]!.GetValue<int>().ShouldBe(409);
        status["message"]!.GetValue<string>().ShouldContain("the object has been modified");
        var now = await client.CoreV1.ReadNamespacedConfigMapAsync(name: "api-config", namespaceParameter: "production", cancellationToken: Ct);
        now.Data["LOG_LEVEL"].ShouldBe("warn");
    }

    [Fact]
    public async Task Errors_come_back_as_status_bodies_with_the_real_reasons()
    {
        var notFound = await Should.ThrowAsync<HttpOperationException>(() =>
            client.AppsV1.ReadNamespacedDeploymentAsync(name: "nope", namespaceParameter: "production", cancellationToken: Ct));
        notFound.Response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var body = JsonNode.Parse(notFound.Response.Content)!;
        body["message"]!.GetValue<string>().ShouldBe("deployments.apps \"nope\" not found");
        body["details"]!["group"]!.GetValue<string>().ShouldBe("apps");

        var exists = await Should.ThrowAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedConfigMapAsync(
            body: new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "api-config" } }, namespaceParameter: "production", cancellationToken: Ct));
        exists.Response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        JsonNode.Parse(exists.Response.Content)!["reason"]!.GetValue<string>().ShouldBe("AlreadyExists");

        var invalid = await Should.ThrowAsync<HttpOperationException>(() => client.AppsV1.PatchNamespacedDeploymentScaleAsync(
            body: new V1Patch(new { spec = new { replicas = -1 } }, V1Patch.PatchType.MergePatch), name: "api", namespaceParameter: "production", cancellationToken: Ct));
        invalid.Response.StatusCode.ShouldBe((HttpStatusCode)422);
        JsonNode.Parse(invalid.Response.Content)!["reason"]!.GetValue<string>().ShouldBe("Invalid");

        var noNamespace = await Should.ThrowAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedConfigMapAsync(
            body: new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" } }, namespaceParameter: "ghost", cancellationToken: Ct));
        noNamespace.Response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        JsonNode.Parse(noNamespace.Response.Content)!["message"]!.GetValue<string>().ShouldBe("namespaces \"ghost\" not found");
    }

    [Fact]
    public async Task A_patch_that_changes_nothing_keeps_the_resource_version()
    {
        var before = await client.CoreV1.ReadNamespacedConfigMapAsync(name: "api-config", namespaceParameter: "staging", cancellationToken: Ct);

        var after = await client.CoreV1.PatchNamespacedConfigMapAsync(
            body: new V1Patch($$$"""{"data":{"LOG_LEVEL":"{{{before.Data["LOG_LEVEL"]}}}"}}""", V1Patch.PatchType.MergePatch),
            name: "api-config", namespaceParameter: "staging", cancellationToken: Ct);

        after.Metadata.ResourceVersion.ShouldBe(before.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Json_patch_and_merge_patch_null_edit_the_object()
    {
        await client.CoreV1.PatchNamespacedConfigMapAsync(
            body: new V1Patch("""[{"op":"add","path":"/data/NEW","value":"1"},{"op":"replace","path":"/data/LOG_LEVEL","value":"trace"}]""", V1Patch.PatchType.JsonPatch),
            name: "api-config", namespaceParameter: "dev", cancellationToken: Ct);
        var merged = await client.CoreV1.PatchNamespacedConfigMapAsync(
            body: new V1Patch("""{"data":{"FEATURE_CHECKOUT_V2":null}}""", V1Patch.PatchType.MergePatch),
            name: "api-config", namespaceParameter: "dev", cancellationToken: Ct);

        merged.Data.ShouldBe(new Dictionary<string, string> { ["LOG_LEVEL"] = "trace", ["NEW"] = "1" }, ignoreOrder: true);
    }

    [Fact]
    public async Task Deleting_a_deployment_takes_its_replicasets_and_pods()
    {
        await Eventually.WaitAsync(
            () => client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "staging", labelSelector: "app=web", cancellationToken: Ct),
            l => l.Items.Count == 1, "the staging web pod");

        var deleted = await client.AppsV1.DeleteNamespacedDeploymentAsync(name: "web", namespaceParameter: "staging", cancellationToken: Ct);

        deleted.ShouldNotBeNull();
        (await client.AppsV1.ListNamespacedReplicaSetAsync(namespaceParameter: "staging", labelSelector: "app=web", cancellationToken: Ct)).Items.ShouldBeEmpty();
        (await client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "staging", labelSelector: "app=web", cancellationToken: Ct)).Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task Pod_logs_honour_tail_lines()
    {
        var pods = await Eventually.WaitAsync(
            () => client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "production", labelSelector: "app=worker", cancellationToken: Ct),
            l => l.Items.Count == 2 && l.Items.All(p => p.Status.Phase == "Running"), "worker pods running");
        var name = pods.Items[0].Metadata.Name;

        await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(name: name, namespaceParameter: "production", container: "worker", tailLines: 2, cancellationToken: Ct);
        using var reader = new StreamReader(stream);
        var lines = (await reader.ReadToEndAsync(Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        lines.Length.ShouldBe(2);
        lines.ShouldAllBe(l => l.Contains(" INFO "));
    }

    [Fact]
    public async Task The_scale_subresource_reads_and_replaces_with_resource_version_checks()
    {
        // Once settled the controller stops writing, so the resourceVersion read below stays current.
        await Eventually.WaitAsync(
            () => client.AppsV1.ReadNamespacedStatefulSetAsync(name: "postgres", namespaceParameter: "production", cancellationToken: Ct),
            s => s.Status?.ReadyReplicas == 2 && s.Status.CurrentRevision == s.Status.UpdateRevision, "postgres settled");
        var scale = await client.AppsV1.ReadNamespacedStatefulSetScaleAsync(name: "postgres", namespaceParameter: "production", cancellationToken: Ct);
        scale.Spec.Replicas.ShouldBe(2);
        scale.Status.Selector.ShouldBe("app=postgres");

        scale.Spec.Replicas = 3;
        var replaced = await client.AppsV1.ReplaceNamespacedStatefulSetScaleAsync(body: scale, name: "postgres", namespaceParameter: "production", cancellationToken: Ct);
        scale.Spec.Replicas = 1;
        var stale = await Should.ThrowAsync<HttpOperationException>(() =>
            client.AppsV1.ReplaceNamespacedStatefulSetScaleAsync(body: scale, name: "postgres", namespaceParameter: "production", cancellationToken: Ct));

        replaced.Spec.Replicas.ShouldBe(3);
        stale.Response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await client.AppsV1.ReadNamespacedStatefulSetAsync(name: "postgres", namespaceParameter: "production", cancellationToken: Ct)).Spec.Replicas.ShouldBe(3);
        var dryRun = await client.AppsV1.PatchNamespacedReplicaSetScaleAsync(
            body: new V1Patch("""{"spec":{"replicas":0}}""", V1Patch.PatchType.MergePatch),
            name: (await client.AppsV1.ListNamespacedReplicaSetAsync(namespaceParameter: "production", labelSelector: "app=api", cancellationToken: Ct)).Items[0].Metadata.Name,
            namespaceParameter: "production", dryRun: "All", cancellationToken: Ct);
        dryRun.Spec.Replicas.ShouldBe(0);
        (await client.AppsV1.ListNamespacedReplicaSetAsync(namespaceParameter: "production", labelSelector: "app=api", cancellationToken: Ct)).Items[0].Spec.Replicas.ShouldBe(3);
    }

    [Fact]
    public async Task Pod_logs_honour_since_seconds_and_reject_a_missing_container()
    {
        var pods = await Eventually.WaitAsync(
            () => client.CoreV1.ListNamespacedPodAsync(namespaceParameter: "dev", labelSelector: "app=api", cancellationToken: Ct),
            l => l.Items.Count == 1 && l.Items[0].Status.Phase == "Running", "the dev api pod running");
        var name = pods.Items[0].Metadata.Name;

        await using var all = await client.CoreV1.ReadNamespacedPodLogAsync(name: name, namespaceParameter: "dev", cancellationToken: Ct);
        await using var recent = await client.CoreV1.ReadNamespacedPodLogAsync(name: name, namespaceParameter: "dev", sinceSeconds: 3600, cancellationToken: Ct);
        var wrong = await Should.ThrowAsync<HttpOperationException>(() =>
            client.CoreV1.ReadNamespacedPodLogAsync(name: name, namespaceParameter: "dev", container: "nope", cancellationToken: Ct));

        (await new StreamReader(all).ReadToEndAsync(Ct)).ShouldStartWith(await new StreamReader(recent).ReadToEndAsync(Ct));
        wrong.Response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private static V1Deployment TwoContainerDeployment(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = name } },
        Spec = new V1DeploymentSpec
        {
            Replicas = 1,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec
                {
                    Containers =
                    [
                        new V1Container { Name = "app", Image = $"{name}:1.0", Env = [new V1EnvVar { Name = "MODE", Value = "prod" }] },
                        new V1Container { Name = "sidecar", Image = "envoy:1.31" },
                    ],
                },
            },
        },
    };
}
