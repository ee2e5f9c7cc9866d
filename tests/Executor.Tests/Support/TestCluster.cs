using System.Text.Json.Nodes;
using k8s;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Executor.Execution;
using K8sAgentPlatform.KubeSandbox;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.TestSupport;
using K8sAgentPlatform.Rollback;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Executor.Tests.Support;

/// <summary>
/// A sandbox cluster reached over HTTP by the real KubernetesClient (with the retrying handler), and the
/// executor and restorer on top of it. Short deadlines keep the suite fast; waits end on conditions.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public const string Ns = "staging";

    private readonly List<TimeSpan> retryWaits = [];

    private TestCluster(SandboxServer sandbox, ExecutorOptions options, DelegatingHandler[] extraHandlers)
    {
        Sandbox = sandbox;
        Options = options;
        var retry = new RetryingHandler(new RetryOptions { MaxAttempts = 8 }, delay: (d, _) =>
        {
            lock (retryWaits)
            {
                retryWaits.Add(d);
            }

            // Recorded, not waited: the backoff itself is checked by RetryingHandlerTests.
            return Task.CompletedTask;
        });
        Client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = sandbox.BaseUrl }, [retry, .. extraHandlers]);
        Objects = new KubernetesObjects(Client);
        Verifier = new RolloutVerifier(Client, TimeProvider.System);
        Restorer = new SnapshotRestorer(Objects, Verifier);
        Executor = NewExecutor();
    }

    /// <summary>Another executor on the same cluster and stores: the process after a restart.</summary>
    public OperationExecutor NewExecutor(IKubernetes? client = null)
    {
        var objects = client is null ? Objects : new KubernetesObjects(client);
        var verifier = client is null ? Verifier : new RolloutVerifier(client, TimeProvider.System);
        // Built by the executor's own registration of its handlers, so a handler left out of it fails here too.
        return new ServiceCollection()
            .AddSingleton(objects)
            .AddSingleton(verifier)
            .AddSingleton(new SnapshotRestorer(objects, verifier))
            .AddSingleton<ISnapshotStore>(Snapshots)
            .AddSingleton<IExecutionRecordStore>(Records)
            .AddSingleton(Microsoft.Extensions.Options.Options.Create(Options))
            .AddSingleton(TimeProvider.System)
            .AddSingleton(typeof(ILogger<>), typeof(NullLogger<>))
            .AddOperationHandlers()
            .BuildServiceProvider()
            .GetRequiredService<OperationExecutor>();
    }

    public SandboxServer Sandbox { get; }

    /// <summary>What the executor and the rollback service audit (refusals).</summary>
    public MemoryAuditLog Audit { get; } = new();

    public ExecutorOptions Options { get; }

    public IKubernetes Client { get; }

    public KubernetesObjects Objects { get; }

    public RolloutVerifier Verifier { get; }

    public SnapshotRestorer Restorer { get; }

    public InMemorySnapshotStore Snapshots { get; } = new();

    public InMemoryExecutionRecordStore Records { get; } = new();

    public OperationExecutor Executor { get; }

    public IReadOnlyList<TimeSpan> RetryWaits
    {
        get
        {
            lock (retryWaits)
            {
                return retryWaits.ToArray();
            }
        }
    }

    public static ExecutorOptions FastOptions() => new()
    {
        Verification = new VerificationOptions
        {
            Timeout = TimeSpan.FromSeconds(30),
            FailureGrace = TimeSpan.FromSeconds(1),
            PollInterval = TimeSpan.FromMilliseconds(100),
        },
        DrainTimeout = TimeSpan.FromSeconds(30),
        EvictionRetryInterval = TimeSpan.FromMilliseconds(200),
    };

    public static async Task<TestCluster> StartAsync(ExecutorOptions? options = null, params DelegatingHandler[] extraHandlers)
    {
        var sandbox = await SandboxServer.StartAsync(new SandboxOptions
        {
            PodReadyDelay = TimeSpan.FromMilliseconds(200),
            CrashLoopInterval = TimeSpan.FromMilliseconds(300),
            ControllerInterval = TimeSpan.FromMilliseconds(50),
            BookmarkInterval = TimeSpan.FromMilliseconds(500),
        }, TestContext.Current.CancellationToken);
        var cluster = new TestCluster(sandbox, options ?? FastOptions(), extraHandlers);
        await cluster.Objects.CreateAsync(ResourceType.Namespace, Parse($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{Ns}}}"}}"""), dryRun: false, default);
        return cluster;
    }

    /// <summary>
    /// The executor and rollback consumers on the MassTransit test harness, with this cluster's client, snapshot
    /// store and execution records and the fast deadlines; the caller starts the harness and disposes the provider.
    /// </summary>
    public ServiceProvider HarnessProvider()
    {
        var fast = FastOptions();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(TestAuthorizationKeys.Settings).Build())
            .AddSingleton(Client)
            .AddSingleton<ISnapshotStore>(Snapshots)
            .AddSingleton<IExecutionRecordStore>(Records)
            .AddSingleton<IAuditLog>(Audit)
            .AddMassTransitTestHarness(x =>
            {
                x.AddExecutorService(o =>
                {
                    o.Verification = fast.Verification;
                    o.EvictionRetryInterval = fast.EvictionRetryInterval;
                });
                x.AddRollbackService(o => o.Verification = fast.Verification);
            })
            .Configure<TestHarnessOptions>(o => o.TestTimeout = TimeSpan.FromSeconds(60))
            .BuildServiceProvider(true);
    }

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    public async Task<JsonObject> CreateAsync(ResourceType type, string json)
    {
        var created = await Objects.CreateAsync(type, Parse(json), dryRun: false, default);
        if (ResourceKinds.IsWorkload(type))
        {
            var ready = await Verifier.VerifyAsync(type, Ns, created.Name()!, Options.Verification, default);
            ready.Success.ShouldBeTrue(ready.Summary);
        }

        return (await Objects.ReadAsync(type, created.Namespace(), created.Name()!, default))!;
    }

    public Task<JsonObject> CreateDeploymentAsync(string name = "web", int replicas = 2, string image = "registry.k8s.io/web:1.0.0") =>
        CreateAsync(ResourceType.Deployment, Workload("Deployment", name, replicas, image));

    public static string Workload(string kind, string name, int? replicas, string image, string extraEnv = "") => $$"""
        {
          "apiVersion": "apps/v1", "kind": "{{kind}}",
          "metadata": { "name": "{{name}}", "namespace": "{{Ns}}", "labels": { "app": "{{name}}", "team": "payments" }, "annotations": { "owner": "sre" } },
          "spec": {
            {{(replicas is { } r ? $"\"replicas\": {r}," : "")}}
            "selector": { "matchLabels": { "app": "{{name}}" } },
            "template": {
              "metadata": { "labels": { "app": "{{name}}" } },
              "spec": { "containers": [ { "name": "{{name}}", "image": "{{image}}", "env": [ { "name": "MODE", "value": "blue" }{{extraEnv}} ],
                                          "resources": { "limits": { "cpu": "500m", "memory": "256Mi" } } } ] }
            }
          }
        }
        """;

    public async Task<JsonObject> ReadAsync(ResourceType type, string name, string? ns = Ns) =>
        (await Objects.ReadAsync(type, ns, name, default)) ?? throw new InvalidOperationException($"{type} {name} not found");

    public Task<OperationExecuted> RunAsync(KubernetesOperation operation, Guid? requestId = null, int index = 0, string? expectedResourceVersion = null) =>
        Executor.ExecuteAsync(new ExecuteOperation
        {
            RequestId = requestId ?? Guid.NewGuid(),
            Index = index,
            Operation = operation,
            ExpectedResourceVersion = expectedResourceVersion,
        }, TestContext.Current.CancellationToken);

    public static KubernetesOperation Op(OperationType type, ResourceType resource, string name, OperationParameters? parameters = null, string? ns = Ns) => new()
    {
        OperationType = type,
        ResourceType = resource,
        ResourceName = name,
        Namespace = resource.IsClusterScoped() ? null : ns,
        Parameters = parameters,
        Reason = "executor test of the whole change cycle",
        RequiresConfirmation = false,
    };

    /// <summary>Restores the operation's snapshot, as the rollback service does.</summary>
    public async Task<RestoreOutcome> RollBackAsync(OperationExecuted executed)
    {
        executed.SnapshotId.ShouldNotBeNull();
        var snapshot = await Snapshots.GetAsync(executed.SnapshotId!);
        snapshot.ShouldNotBeNull();
        return await Restorer.RestoreAsync(snapshot!, Options.Verification, TestContext.Current.CancellationToken);
    }

    /// <summary>Asserts the managed state (spec, data, labels, annotations) equals the one before, field by field.</summary>
    public static void ShouldMatch(JsonObject before, JsonObject after)
    {
        var differences = JsonDiff.Differences(ManagedState.Of(before), ManagedState.Of(after));
        differences.ShouldBeEmpty($"fields that differ from the state before the change:\n{string.Join("\n", differences)}");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Sandbox.DisposeAsync();
    }
}
