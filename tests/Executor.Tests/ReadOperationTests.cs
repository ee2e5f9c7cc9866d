using k8s;
using K8sAgentPlatform.Contracts.Intent;
using static K8sAgentPlatform.Executor.Tests.Support.TestCluster;

namespace K8sAgentPlatform.Executor.Tests;

public sealed class ReadOperationTests
{
    [Fact]
    public async Task Get_status_tells_replicas_and_conditions_in_a_few_lines_and_takes_no_snapshot()
    {
        await using var cluster = await StartAsync();
        await cluster.CreateDeploymentAsync(replicas: 3);

        var status = await cluster.RunAsync(Op(OperationType.GetStatus, ResourceType.Deployment, "web"));

        status.Success.ShouldBeTrue(status.Error);
        status.SnapshotId.ShouldBeNull();
        status.Result!.ShouldContain("deployment/web in staging: desired 3, ready 3, updated 3, available 3");
        status.Result!.ShouldContain("Available=True");
        status.Result!.Split('\n').Length.ShouldBeLessThanOrEqualTo(8);
        cluster.Snapshots.All.ShouldBeEmpty();
    }

    [Fact]
    public async Task Get_status_shows_the_objects_own_events_and_the_warnings_of_its_pods_but_not_another_deployments()
    {
        await using var cluster = await StartAsync();
        foreach (var name in new[] { "web", "webx" })
        {
            // Not CreateDeploymentAsync: it waits for a rollout that never becomes ready.
            await cluster.Objects.CreateAsync(ResourceType.Deployment, Parse(Workload("Deployment", name, 1, $"unreachable.example/{name}:1.0.0")),
                dryRun: false, TestContext.Current.CancellationToken);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await cluster.Client.CoreV1.ListNamespacedEventAsync(Ns, fieldSelector: "reason=Failed", cancellationToken: TestContext.Current.CancellationToken))
               .Items.Select(e => e.InvolvedObject.Name.Split('-')[0]).Distinct().Count() < 2)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "both deployments' pods should fail to pull their image");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var status = await cluster.RunAsync(Op(OperationType.GetStatus, ResourceType.Deployment, "web"));

        status.Success.ShouldBeTrue(status.Error);
        var events = status.Result!.Split('\n').SkipWhile(l => l != "recent events:").Skip(1).ToArray();
        events.ShouldContain(l => l.StartsWith("  Normal ScalingReplicaSet deployment/web: ", StringComparison.Ordinal));
        events.ShouldContain(l => l.StartsWith("  Warning Failed pod/web-", StringComparison.Ordinal) && l.EndsWith("ImagePullBackOff", StringComparison.Ordinal));
        events.ShouldNotContain(l => l.Contains("webx", StringComparison.Ordinal), "the events of deployment webx are not web's");
        events.ShouldNotContain(l => l.StartsWith("  Normal BackOff", StringComparison.Ordinal), "a pod's normal events are left out");
    }

    [Fact]
    public async Task Get_logs_of_a_deployment_reads_its_pods_with_the_tail_asked()
    {
        await using var cluster = await StartAsync();
        await cluster.CreateDeploymentAsync(replicas: 2);

        var logs = await cluster.RunAsync(Op(OperationType.GetLogs, ResourceType.Deployment, "web", new GetLogsParameters { TailLines = 3, ContainerName = "web" }));

        logs.Success.ShouldBeTrue(logs.Error);
        var sections = logs.Result!.Split("==> ", StringSplitOptions.RemoveEmptyEntries);
        sections.Length.ShouldBe(2);
        sections.ShouldAllBe(s => s.StartsWith("pod/web-", StringComparison.Ordinal) && s.TrimEnd('\n').Split('\n').Length <= 4);
    }

    [Fact]
    public async Task Get_status_of_a_missing_object_fails_clearly()
    {
        await using var cluster = await StartAsync();

        var status = await cluster.RunAsync(Op(OperationType.GetStatus, ResourceType.Deployment, "nothing"));

        status.Success.ShouldBeFalse();
        status.Error!.ShouldContain("does not exist");
    }
}
