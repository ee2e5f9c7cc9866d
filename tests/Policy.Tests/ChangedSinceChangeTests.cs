using System.Text;
using k8s;
using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.KubeSandbox;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Persistence.Protection;
using K8sAgentPlatform.Persistence.Sqlite;
using K8sAgentPlatform.Policy.Checks;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Kubernetes;
using K8sAgentPlatform.Policy.Policies;
using Microsoft.Data.Sqlite;
using static K8sAgentPlatform.Policy.Tests.Intents;

namespace K8sAgentPlatform.Policy.Tests;

/// <summary>
/// A restore compared with what the change left, on the sandbox over real HTTP and a real SQLite snapshot store:
/// untouched since, it asks nothing more; changed since, it asks for confirmation and names what it would overwrite.
/// </summary>
public sealed class ChangedSinceChangeTests : IAsyncLifetime
{
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("changed-since-");
    private readonly AesGcmObjectProtector protector = new(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private SandboxServer sandbox = null!;
    private IKubernetes client = null!;
    private KubernetesObjects objects = null!;
    private SqliteSnapshotStore snapshots = null!;
    private PolicyEvaluator evaluator = null!;

    public async ValueTask InitializeAsync()
    {
        sandbox = await SandboxServer.StartAsync(new SandboxOptions { Seed = "demo" });
        client = sandbox.CreateClient();
        objects = new KubernetesObjects(client);
        snapshots = new SqliteSnapshotStore(new SqliteDatabase(Path.Combine(directory.FullName, "store.db")), protector);
        evaluator = new PolicyEvaluator(PolicySettings.Default, new KubernetesClusterReader(client), [new ChangedSinceChangeCheck(snapshots, objects)]);
    }

    public async ValueTask DisposeAsync()
    {
        await sandbox.DisposeAsync();
        protector.Dispose();
        SqliteConnection.ClearAllPools();
        directory.Delete(recursive: true);
    }

    [Fact]
    public async Task A_deployment_scaled_by_someone_else_since_asks_for_confirmation_naming_the_replicas_it_would_overwrite()
    {
        var id = await SnapshotOfChangeAsync(ResourceType.Deployment, "staging", "web");
        var untouched = await EvaluateRestoreAsync(ResourceType.Deployment, "staging", "web", id);
        untouched.ConfirmationBecause.ShouldNotContain(r => r.StartsWith("[live.changed_since_change]"));

        var before = (await client.AppsV1.ReadNamespacedDeploymentAsync("web", "staging", cancellationToken: TestContext.Current.CancellationToken)).Spec.Replicas;
        await client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("{\"spec\":{\"replicas\":4}}", V1Patch.PatchType.MergePatch), "web", "staging",
            cancellationToken: TestContext.Current.CancellationToken);
        var changed = await EvaluateRestoreAsync(ResourceType.Deployment, "staging", "web", id);

        changed.Approved.ShouldBeTrue(string.Join("; ", changed.Reasons));
        changed.RequiresConfirmation.ShouldBeTrue();
        changed.ConfirmationBecause.ShouldContain(r => r.StartsWith("[live.changed_since_change] deployment/web in staging was changed by someone else"), string.Join(" | ", changed.ConfirmationBecause));
        changed.ConfirmationBecause.ShouldContain(r => r.StartsWith("[live.changed_since_change]")
            && r.Contains($"restoring snapshot {id} overwrites: spec.replicas: {before} -> 4"));
    }

    [Fact]
    public async Task A_secret_changed_since_names_the_key_and_never_a_value()
    {
        var id = await SnapshotOfChangeAsync(ResourceType.Secret, "staging", "api-credentials");
        const string newValue = "rotated-by-hand-S3cret";
        var patch = $$$"""{"data":{"DATABASE_PASSWORD":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(newValue))}}}"}}""";
        await client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), "api-credentials", "staging",
            cancellationToken: TestContext.Current.CancellationToken);

        var changed = await EvaluateRestoreAsync(ResourceType.Secret, "staging", "api-credentials", id);

        var reason = changed.ConfirmationBecause.Single(r => r.StartsWith("[live.changed_since_change]"));
        reason.ShouldContain("data.DATABASE_PASSWORD changed");
        reason.ShouldNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(newValue)));
        reason.ShouldNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("sandbox-staging-password")));
    }

    [Fact]
    public async Task A_restore_whose_change_left_no_record_asks_and_an_unknown_snapshot_is_refused()
    {
        var live = await objects.ReadAsync(ResourceType.Deployment, "staging", "api", TestContext.Current.CancellationToken);
        var unrecorded = await snapshots.SaveAsync(Snapshot(ResourceType.Deployment, "staging", "api", live!), TestContext.Current.CancellationToken);

        var asked = await EvaluateRestoreAsync(ResourceType.Deployment, "staging", "api", unrecorded.Id);
        var unknown = await EvaluateRestoreAsync(ResourceType.Deployment, "staging", "api", "snap-0000000000000000");

        asked.ConfirmationBecause.ShouldContain(r => r.StartsWith("[live.changed_since_change]") && r.Contains("was not recorded"));
        unknown.Approved.ShouldBeFalse();
        unknown.Reasons.ShouldContain("[live.changed_since_change] snapshot snap-0000000000000000 does not exist");
    }

    /// <summary>A snapshot of the object with the state "the change" left recorded: the object as it is now.</summary>
    private async Task<string> SnapshotOfChangeAsync(ResourceType type, string ns, string name)
    {
        var live = await objects.ReadAsync(type, ns, name, TestContext.Current.CancellationToken);
        var saved = await snapshots.SaveAsync(Snapshot(type, ns, name, live!), TestContext.Current.CancellationToken);
        (await snapshots.RecordAfterAsync(saved.Id, ManagedState.Of(live!).ToJsonString(), TestContext.Current.CancellationToken)).ShouldBeTrue();
        return saved.Id;
    }

    private static SnapshotDocument Snapshot(ResourceType type, string ns, string name, System.Text.Json.Nodes.JsonObject live)
    {
        var (kind, apiVersion) = Kinds.Of(type);
        return new SnapshotDocument
        {
            Id = "snap-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)),
            RequestId = Guid.NewGuid(),
            OperationIndex = 0,
            Operation = Op(OperationType.Delete, type, name, ns),
            Kind = kind,
            ApiVersion = apiVersion,
            Namespace = ns,
            Name = name,
            ObjectJson = ManagedState.Of(live).ToJsonString(),
            ResourceVersion = live.ResourceVersion(),
            CapturedAt = DateTimeOffset.UtcNow,
        };
    }

    private async Task<OperationVerdict> EvaluateRestoreAsync(ResourceType type, string ns, string name, string snapshotId) =>
        (await evaluator.EvaluateAsync(IntentOf(Op(OperationType.Rollback, type, name, ns, new RollbackParameters { SnapshotId = snapshotId })),
            TestContext.Current.CancellationToken)).Operations.Single();
}
