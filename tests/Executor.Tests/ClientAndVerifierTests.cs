using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static K8sAgentPlatform.Executor.Tests.Support.TestCluster;

namespace K8sAgentPlatform.Executor.Tests;

public sealed class ClientAndVerifierTests
{
    [Fact]
    public async Task A_client_is_built_from_a_kubeconfig_and_its_context()
    {
        await using var cluster = await StartAsync();
        var path = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        // Its current context points nowhere: only the context asked for reaches the sandbox.
        await File.WriteAllTextAsync(path, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: sandbox
              cluster:
                server: {{cluster.Sandbox.BaseUrl}}
            - name: nowhere
              cluster:
                server: http://127.0.0.1:1
            users:
            - name: tester
              user:
                token: test-token
            contexts:
            - name: sandbox
              context: { cluster: sandbox, user: tester }
            - name: nowhere
              context: { cluster: nowhere, user: tester }
            current-context: nowhere
            """);
        try
        {
            using var client = (IDisposable)KubernetesClientFactory.Create(new KubernetesOptions { Kubeconfig = path, Context = "sandbox" });

            var namespaces = await ((IKubernetes)client).CoreV1.ListNamespaceAsync();

            namespaces.Items.ShouldContain(n => n.Metadata.Name == Ns);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Bad_retry_settings_fail_when_the_options_are_read_naming_the_key()
    {
        var provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Executor:MaxConflictRetries"] = "0",
                ["Kubernetes:Host"] = "http://127.0.0.1:1",
            }).Build())
            .AddExecutorService()
            .BuildServiceProvider();

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ExecutorOptions>>().Value);

        error.Message.ShouldContain("MaxConflictRetries");
    }

    [Fact]
    public async Task A_rollout_that_cannot_progress_fails_with_ProgressDeadlineExceeded()
    {
        await using var cluster = await StartAsync();
        await cluster.CreateDeploymentAsync(replicas: 1);
        foreach (var node in (await cluster.Client.CoreV1.ListNodeAsync()).Items)
        {
            await cluster.Client.CoreV1.PatchNodeAsync(body: new V1Patch(ExecutorRequests.CordonPatch(true), V1Patch.PatchType.StrategicMergePatch), name: node.Metadata.Name);
        }

        await cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(
            body: new V1Patch("""{"spec":{"progressDeadlineSeconds":1}}""", V1Patch.PatchType.MergePatch), name: "web", namespaceParameter: Ns);

        var executed = await cluster.RunAsync(Op(OperationType.Scale, ResourceType.Deployment, "web", new ScaleParameters { Replicas = 3 }));

        executed.Success.ShouldBeFalse();
        executed.Error!.ShouldContain("ProgressDeadlineExceeded");
    }

    [Fact]
    public void Restoring_keeps_identity_and_server_annotations_and_takes_everything_managed_from_the_snapshot()
    {
        var live = Parse("""
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"n","uid":"u-1","resourceVersion":"9",
             "labels":{"new":"1"},"annotations":{"deployment.kubernetes.io/revision":"4","added":"x"}},"data":{"k":"changed","extra":"1"}}
            """);
        var snapshot = ManagedState.Of(Parse("""
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"n","uid":"u-1","resourceVersion":"5",
             "labels":{"old":"1"},"annotations":{"deployment.kubernetes.io/revision":"3"}},"data":{"k":"v"}}
            """));

        var restored = ManagedState.Restored(live, snapshot);

        restored["metadata"]!["resourceVersion"]!.GetValue<string>().ShouldBe("9");
        restored["metadata"]!["uid"]!.GetValue<string>().ShouldBe("u-1");
        JsonNode.DeepEquals(restored["metadata"]!["labels"], JsonNode.Parse("""{"old":"1"}""")).ShouldBeTrue();
        JsonNode.DeepEquals(restored["metadata"]!["annotations"], JsonNode.Parse("""{"deployment.kubernetes.io/revision":"4"}""")).ShouldBeTrue();
        JsonNode.DeepEquals(restored["data"], JsonNode.Parse("""{"k":"v"}""")).ShouldBeTrue();
        snapshot["metadata"]!["resourceVersion"].ShouldBeNull();
    }
}
