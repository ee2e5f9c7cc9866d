using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// The paths a request can take (confirmed, rolled back, rejected, re-confirmed after a concurrent edit, a stale-round confirm),
/// each across the five service processes on RabbitMQ against the sandbox. The scenarios touch different
/// objects (staging api, production api, staging web, dev api and kube-system coredns, production web, production worker), so
/// they share one platform.
/// </summary>
public sealed class DistributedScenarioTests(SharedPlatform shared) : IClassFixture<SharedPlatform>
{
    [Fact]
    public async Task A_scale_in_staging_completes_without_confirmation_across_five_processes()
    {
        var platform = shared.Platform;

        var id = await platform.SubmitAsync("scale api to 2 in staging", "alice");
        var request = await platform.WaitForFinalStateAsync(id);

        request.GetProperty("state").GetString().ShouldBe("Completed", request.ToString());
        var deployment = await platform.ReadDeploymentAsync("staging", "api");
        deployment["spec"]!["replicas"]!.GetValue<int>().ShouldBe(2);
        platform.AllRunning.ShouldBeTrue(platform.Logs());
    }

    [Fact]
    public async Task A_critical_image_update_in_production_waits_for_an_approver_other_than_the_requester_then_rolls_out_verified()
    {
        var platform = shared.Platform;
        // The four-eyes rule applies to critical operations (DESIGN §4); an image update in production is high
        // risk by policy, so the intent carries the model's critical assessment, which policy may only keep or raise.
        var id = await platform.SubmitIntentAsync(new
        {
            original_request = "update the api image in production to registry.k8s.io/example/api:1.4.3",
            operations = new[]
            {
                new
                {
                    operation_type = "update_image", resource_type = "deployment", resource_name = "api", @namespace = "production",
                    parameters = new { container_name = "api", image = "registry.k8s.io/example/api", tag = "1.4.3" },
                    reason = "roll out the 1.4.3 release of api", requires_confirmation = true,
                },
            },
            estimated_risk_level = "critical",
            summary = "update the api image in production to 1.4.3",
        }, "alice");
        var waiting = await platform.WaitForStateAsync(id, "AwaitingConfirmation");
        waiting.GetProperty("verdicts")[0].GetProperty("policy_risk_level").GetString().ShouldBe("critical", waiting.ToString());

        var refused = await platform.ConfirmAsync(id, "alice");

        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden, await refused.Content.ReadAsStringAsync());
        var afterRefusal = await platform.GetAsync(id);
        afterRefusal.GetProperty("state").GetString().ShouldBe("AwaitingConfirmation", afterRefusal.ToString());
        DistributedPlatform.Actions(afterRefusal).ShouldNotContain("confirmed");
        (await platform.ReadDeploymentAsync("production", "api"))["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>()
            .ShouldBe("ghcr.io/example/api:1.4.2");

        var accepted = await platform.ConfirmAsync(id, "bob");
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        var done = await platform.WaitForFinalStateAsync(id);

        done.GetProperty("state").GetString().ShouldBe("Completed", $"{done}\n{platform.Logs()}");
        // alice's refused confirmation never reached the saga: it lists every principal whose confirmation counted
        done.GetProperty("confirmed_by").EnumerateArray().Select(p => p.GetString()).ShouldBe(["bob"]);
        var result = done.GetProperty("results").EnumerateArray().ShouldHaveSingleItem();
        result.GetProperty("success").GetBoolean().ShouldBeTrue(done.ToString());
        result.GetProperty("result").GetString()!.ShouldContain("registry.k8s.io/example/api:1.4.3; rollout complete: desired 3, updated 3, ready 3, available 3");
        var deployment = await platform.ReadDeploymentAsync("production", "api");
        deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>().ShouldBe("registry.k8s.io/example/api:1.4.3");
        var status = deployment["status"]!;
        status["updatedReplicas"]!.GetValue<int>().ShouldBe(3, deployment.ToJsonString());
        status["availableReplicas"]!.GetValue<int>().ShouldBe(3, deployment.ToJsonString());
    }

    [Fact]
    public async Task An_image_that_cannot_be_pulled_fails_verification_and_is_rolled_back_to_the_exact_previous_spec()
    {
        var platform = shared.Platform;
        var before = await platform.ReadDeploymentAsync("staging", "web");

        var id = await platform.SubmitAsync("kubectl set image deployment/web web=registry.k8s.io/example/web:does-not-exist -n staging", "alice");
        // the parser asks for confirmation of any change of medium risk or more, and policy keeps what it asks
        await platform.WaitForStateAsync(id, "AwaitingConfirmation");
        (await platform.ConfirmAsync(id, "bob")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var done = await platform.WaitForFinalStateAsync(id);

        done.GetProperty("state").GetString().ShouldBe("RolledBack", $"{done}\n{platform.Logs()}");
        var result = done.GetProperty("results").EnumerateArray().ShouldHaveSingleItem();
        result.GetProperty("success").GetBoolean().ShouldBeFalse();
        result.GetProperty("evidence").EnumerateArray().Select(e => e.GetString()).ShouldContain(e => e!.Contains("ImagePullBackOff"), done.ToString());
        done.GetProperty("rollbacks").GetArrayLength().ShouldBe(1, done.ToString());
        var after = await platform.ReadDeploymentAsync("staging", "web");
        // the change was applied and then undone: two new generations, not zero
        after["metadata"]!["generation"]!.GetValue<long>().ShouldBeGreaterThan(before["metadata"]!["generation"]!.GetValue<long>());
        JsonNode.DeepEquals(after["spec"], before["spec"]).ShouldBeTrue($"spec before:\n{before["spec"]}\nspec after:\n{after["spec"]}");
        JsonNode.DeepEquals(after["metadata"]!["labels"], before["metadata"]!["labels"]).ShouldBeTrue(after.ToJsonString());
        // the deployment controller writes the revision annotation for every new template; everything else is ours
        JsonNode.DeepEquals(WithoutRevision(after), WithoutRevision(before)).ShouldBeTrue($"before:\n{before["metadata"]}\nafter:\n{after["metadata"]}");
    }

    [Fact]
    public async Task A_request_policy_refuses_ends_rejected_with_the_reasons_and_changes_nothing()
    {
        var platform = shared.Platform;
        var api = await platform.ReadDeploymentAsync("dev", "api");
        var coredns = await platform.ReadDeploymentAsync("kube-system", "coredns");

        var id = await platform.SubmitAsync("scale api to 60 in dev and restart coredns in kube-system", "alice");
        var done = await platform.WaitForFinalStateAsync(id);

        done.GetProperty("state").GetString().ShouldBe("Rejected", $"{done}\n{platform.Logs()}");
        var reasons = done.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToList();
        reasons.ShouldContain(r => r.StartsWith("operation 0: ") && r.Contains("60 replicas exceeds the absolute maximum of 50"), done.ToString());
        reasons.ShouldContain(r => r.StartsWith("operation 1: ") && r.Contains("namespace 'kube-system' is protected"), done.ToString());
        done.GetProperty("results").GetArrayLength().ShouldBe(0);
        done.GetProperty("snapshots").GetArrayLength().ShouldBe(0);
        // the same resourceVersion means nobody wrote to either object, not even the controller
        ResourceVersion(await platform.ReadDeploymentAsync("dev", "api")).ShouldBe(ResourceVersion(api));
        ResourceVersion(await platform.ReadDeploymentAsync("kube-system", "coredns")).ShouldBe(ResourceVersion(coredns));
    }

    [Fact]
    public async Task An_object_edited_after_approval_sends_the_request_back_for_confirmation_instead_of_running()
    {
        var platform = shared.Platform;
        var id = await platform.SubmitAsync("scale web to 4 in production", "alice");
        var waiting = await platform.WaitForStateAsync(id, "AwaitingConfirmation");
        var approvedVersion = waiting.GetProperty("verdicts")[0].GetProperty("resource_version").GetString();
        approvedVersion.ShouldNotBeNull(waiting.ToString());

        // someone else changes the object between approval and execution
        using var kubernetes = platform.Sandbox.CreateClient();
        await kubernetes.AppsV1.PatchNamespacedDeploymentAsync(
            body: new V1Patch("""{"metadata":{"annotations":{"team":"payments"}}}""", V1Patch.PatchType.MergePatch),
            name: "web", namespaceParameter: "production", cancellationToken: TestContext.Current.CancellationToken);
        var editedVersion = ResourceVersion(await platform.ReadDeploymentAsync("production", "web"));
        editedVersion.ShouldNotBe(approvedVersion);
        (await platform.ConfirmAsync(id, "bob")).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        // the audit entry is written while the saga handles the verdict, before its new state is stored: wait for both
        var back = await platform.WaitForAsync(id,
            r => r.GetProperty("state").GetString() == "AwaitingConfirmation" && DistributedPlatform.Actions(r).Contains("Executing -> AwaitingConfirmation"),
            "back in AwaitingConfirmation after the re-check");

        back.GetProperty("confirmed_by").GetArrayLength().ShouldBe(0, back.ToString());
        Entry(back, "Executing -> AwaitingConfirmation").GetProperty("detail").GetString()!
            .ShouldContain($"changed since it was approved (resourceVersion {approvedVersion} -> {editedVersion})");
        (await platform.ReadDeploymentAsync("production", "web"))["spec"]!["replicas"]!.GetValue<int>().ShouldBe(2);

        (await platform.ConfirmAsync(id, "bob")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var done = await platform.WaitForFinalStateAsync(id);

        done.GetProperty("state").GetString().ShouldBe("Completed", $"{done}\n{platform.Logs()}");
        DistributedPlatform.Actions(done).ShouldBe([
            "Initial -> Parsing", "Parsing -> Validating", "Validating -> AwaitingConfirmation",
            "confirmed", "AwaitingConfirmation -> Executing", "Executing -> AwaitingConfirmation",
            "confirmed", "AwaitingConfirmation -> Executing", "operation-executed", "Executing -> Completed",
        ]);
        var web = await platform.ReadDeploymentAsync("production", "web");
        web["spec"]!["replicas"]!.GetValue<int>().ShouldBe(4);
        web["metadata"]!["annotations"]!["team"]!.GetValue<string>().ShouldBe("payments");
    }

    [Fact]
    public async Task A_confirm_for_another_round_gets_409_is_audited_and_changes_nothing_then_the_current_rounds_confirm_runs_it()
    {
        var platform = shared.Platform;
        var id = await platform.SubmitAsync("restart worker in production", "alice");
        var waiting = await platform.WaitForStateAsync(id, "AwaitingConfirmation");
        var round = waiting.GetProperty("confirmation_round").GetInt32();
        var before = ResourceVersion(await platform.ReadDeploymentAsync("production", "worker"));

        var stale = await platform.Api("bob").PostAsJsonAsync($"/api/requests/{id}/confirm", new { round = round + 1 }, TestContext.Current.CancellationToken);

        stale.StatusCode.ShouldBe(HttpStatusCode.Conflict, await stale.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        (await stale.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain($"waits for confirmation round {round}, not {round + 1}");
        var audit = await platform.Api().GetFromJsonAsync<JsonElement>($"/api/audit?request_id={id}", TestContext.Current.CancellationToken);
        audit.EnumerateArray().ShouldContain(e => e.GetProperty("action").GetString() == "denied" && e.GetProperty("principal").GetString() == "bob"
            && e.GetProperty("outcome").GetString() == "409", audit.ToString());
        var afterRefusal = await platform.GetAsync(id);
        afterRefusal.GetProperty("state").GetString().ShouldBe("AwaitingConfirmation", afterRefusal.ToString());
        afterRefusal.GetProperty("confirmed_by").GetArrayLength().ShouldBe(0, afterRefusal.ToString());
        ResourceVersion(await platform.ReadDeploymentAsync("production", "worker")).ShouldBe(before);

        var current = await platform.Api("bob").PostAsJsonAsync($"/api/requests/{id}/confirm", new { round }, TestContext.Current.CancellationToken);
        current.StatusCode.ShouldBe(HttpStatusCode.Accepted, await current.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var done = await platform.WaitForFinalStateAsync(id);

        done.GetProperty("state").GetString().ShouldBe("Completed", $"{done}\n{platform.Logs()}");
        done.GetProperty("confirmed_by").EnumerateArray().Select(p => p.GetString()).ShouldBe(["bob"]);
    }

    private static string? ResourceVersion(JsonObject o) => o["metadata"]!["resourceVersion"]!.GetValue<string>();

    private static JsonElement Entry(JsonElement request, string action) =>
        request.GetProperty("timeline").EnumerateArray().Single(e => e.GetProperty("action").GetString() == action);

    private static JsonNode? WithoutRevision(JsonObject deployment)
    {
        var annotations = deployment["metadata"]!["annotations"]?.DeepClone() as JsonObject ?? [];
        annotations.Remove("deployment.kubernetes.io/revision");
        return annotations;
    }
}
