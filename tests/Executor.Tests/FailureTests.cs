using System.Diagnostics;
using System.Net;
using k8s;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Executor.Tests.Support;
using FaultRule = K8sAgentPlatform.KubeSandbox.Api.FaultRule;
using ResourceTypes = K8sAgentPlatform.KubeSandbox.Api.ResourceTypes;
using static K8sAgentPlatform.Executor.Tests.Support.TestCluster;

namespace K8sAgentPlatform.Executor.Tests;

/// <summary>Changes that fail, objects that change under us, and an API that misbehaves.</summary>
public sealed class FailureTests
{
    [Fact]
    public async Task A_bad_image_is_reported_as_failed_within_the_grace_period_with_the_pod_reason()
    {
        await using var cluster = await StartAsync();
        await cluster.CreateDeploymentAsync();
        var clock = Stopwatch.StartNew();

        var executed = await cluster.RunAsync(Op(OperationType.UpdateImage, ResourceType.Deployment, "web",
            new UpdateImageParameters { ContainerName = "web", Image = "unreachable.example/web", Tag = "1.1.0" }));

        executed.Success.ShouldBeFalse();
        executed.Error!.ShouldContain("ImagePullBackOff");
        executed.Evidence.ShouldContain(e => e.Contains("ImagePullBackOff", StringComparison.Ordinal) && e.Contains("pod/web-", StringComparison.Ordinal));
        executed.SnapshotId.ShouldNotBeNull();
        // The progress deadline is 600 s: the failure came from the pods, after the 1 s grace.
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Verification_lists_only_what_the_deployment_selects_and_only_warning_events()
    {
        var lists = new ListRecorder();
        await using var cluster = await StartAsync(extraHandlers: lists);
        await cluster.CreateDeploymentAsync();
        lists.Uris.Clear();

        var executed = await cluster.RunAsync(Op(OperationType.UpdateImage, ResourceType.Deployment, "web",
            new UpdateImageParameters { ContainerName = "web", Image = "unreachable.example/web", Tag = "1.1.0" }));

        executed.Success.ShouldBeFalse();
        executed.Evidence.ShouldContain(e => e.StartsWith("event Failed on pod/web-", StringComparison.Ordinal));
        var replicaSets = lists.Of("replicasets");
        replicaSets.ShouldNotBeEmpty();
        replicaSets.ShouldAllBe(u => u.Query.Contains("labelSelector=app%3Dweb", StringComparison.Ordinal));
        var events = lists.Of("events");
        events.ShouldNotBeEmpty();
        events.ShouldAllBe(u => u.Query.Contains("fieldSelector=type%3DWarning", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_crash_looping_manifest_is_reported_with_CrashLoopBackOff_and_rolled_back()
    {
        await using var cluster = await StartAsync();
        var before = await cluster.CreateDeploymentAsync();
        var manifest = Workload("Deployment", "web", 2, "registry.k8s.io/web:1.0.1", """, { "name": "CRASH", "value": "1" }""");

        var executed = await cluster.RunAsync(Op(OperationType.ApplyManifest, ResourceType.Deployment, "web", new ApplyManifestParameters { Manifest = manifest }));

        executed.Success.ShouldBeFalse();
        executed.Evidence.ShouldContain(e => e.Contains("CrashLoopBackOff", StringComparison.Ordinal));
        (await cluster.RollBackAsync(executed)).Success.ShouldBeTrue();
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.Deployment, "web"));
    }

    [Fact]
    public async Task An_edit_between_snapshot_and_apply_is_detected_and_not_overwritten()
    {
        await using var cluster = await StartAsync();
        await cluster.CreateDeploymentAsync();
        cluster.Sandbox.Faults.EditBeforeNextWrite(ResourceTypes.Deployments, Ns, "web", o => o["metadata"]!["annotations"]!["edited-by"] = "someone-else");

        var executed = await cluster.RunAsync(Op(OperationType.Scale, ResourceType.Deployment, "web", new ScaleParameters { Replicas = 5 }));

        executed.Success.ShouldBeFalse();
        executed.Error!.ShouldContain("changed by someone else");
        var live = await cluster.ReadAsync(ResourceType.Deployment, "web");
        live["metadata"]!["annotations"]!["edited-by"]!.GetValue<string>().ShouldBe("someone-else");
        live["spec"]!["replicas"]!.GetValue<int>().ShouldBe(2);
        // The snapshot of a change that never happened is not offered to rollbacks by resource.
        (await cluster.Snapshots.LatestUnconsumedAsync("Deployment", Ns, "web")).ShouldBeNull();
    }

    [Fact]
    public async Task A_status_only_write_between_snapshot_and_apply_is_retried_and_the_change_lands()
    {
        await using var cluster = await StartAsync();
        await cluster.CreateDeploymentAsync();
        cluster.Sandbox.Faults.EditBeforeNextWrite(ResourceTypes.Deployments, Ns, "web", o => o["status"]!["observedGeneration"] = 99);

        var executed = await cluster.RunAsync(Op(OperationType.Scale, ResourceType.Deployment, "web", new ScaleParameters { Replicas = 3 }));

        executed.Success.ShouldBeTrue(executed.Error);
        (await cluster.ReadAsync(ResourceType.Deployment, "web"))["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
    }

    [Fact]
    public async Task An_object_changed_since_approval_is_not_touched()
    {
        await using var cluster = await StartAsync();
        var live = await cluster.CreateDeploymentAsync();

        var executed = await cluster.RunAsync(Op(OperationType.Scale, ResourceType.Deployment, "web", new ScaleParameters { Replicas = 3 }),
            expectedResourceVersion: "1");

        executed.Success.ShouldBeFalse();
        executed.Error!.ShouldContain("changed since it was approved");
        cluster.Snapshots.All.ShouldBeEmpty();
        ShouldMatch(live, await cluster.ReadAsync(ResourceType.Deployment, "web"));
    }

    [Fact]
    public async Task Injected_500s_and_429s_are_retried_and_the_operation_still_completes()
    {
        await using var cluster = await StartAsync();
        var before = await cluster.CreateDeploymentAsync();
        cluster.Sandbox.Faults.Add(new FaultRule(500, 0.5, Verb: "patch", Resource: "deployments"));
        cluster.Sandbox.Faults.Add(new FaultRule(429, 0.3, Verb: "get", Resource: "deployments", RetryAfterSeconds: 2));

        var executed = await cluster.RunAsync(Op(OperationType.UpdateImage, ResourceType.Deployment, "web",
            new UpdateImageParameters { ContainerName = "web", Image = "registry.k8s.io/web", Tag = "1.3.0" }));

        executed.Success.ShouldBeTrue(executed.Error);
        cluster.Sandbox.Faults.InjectedCount.ShouldBeGreaterThan(0);
        cluster.RetryWaits.ShouldNotBeEmpty();
        var restored = await cluster.RollBackAsync(executed);
        restored.Success.ShouldBeTrue(restored.Message);
        cluster.Sandbox.Faults.Reset();
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.Deployment, "web"));
    }

    [Fact]
    public async Task Retry_After_of_an_injected_429_is_honoured()
    {
        await using var cluster = await StartAsync();
        await cluster.CreateDeploymentAsync();
        cluster.Sandbox.Faults.Add(new FaultRule(429, 1.0, Verb: "get", Resource: "configmaps", RetryAfterSeconds: 3));

        var status = await cluster.RunAsync(Op(OperationType.GetStatus, ResourceType.ConfigMap, "missing"));

        status.Success.ShouldBeFalse();
        status.Error!.ShouldContain("429");
        cluster.RetryWaits.Count.ShouldBe(7);
        cluster.RetryWaits.ShouldAllBe(w => w == TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task A_403_is_not_retried_and_fails_the_operation_with_the_servers_reason()
    {
        // The sandbox injects 500, 429 and 409 only: a handler in front of it answers 403 to writes.
        var forbid = new ForbidWrites();
        await using var cluster = await StartAsync(extraHandlers: forbid);
        var before = await cluster.CreateDeploymentAsync();
        forbid.Enabled = true;

        var executed = await cluster.RunAsync(Op(OperationType.Scale, ResourceType.Deployment, "web", new ScaleParameters { Replicas = 3 }));

        executed.Success.ShouldBeFalse();
        executed.Error!.ShouldContain("HTTP 403");
        executed.Error!.ShouldContain("cannot patch");
        forbid.Refused.ShouldBe(1);
        cluster.RetryWaits.ShouldBeEmpty();
        ShouldMatch(before, await cluster.ReadAsync(ResourceType.Deployment, "web"));
    }

    private sealed class ForbidWrites : DelegatingHandler
    {
        private int refused;

        public bool Enabled { get; set; }

        public int Refused => refused;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!Enabled || request.Method == HttpMethod.Get)
            {
                return base.SendAsync(request, cancellationToken);
            }

            Interlocked.Increment(ref refused);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Forbidden)
            {
                Content = new StringContent(
                    """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"deployments.apps \"web\" is forbidden: User \"executor\" cannot patch resource \"deployments/scale\"","reason":"Forbidden","code":403}""",
                    System.Text.Encoding.UTF8, "application/json"),
            });
        }
    }
}
