using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using k8s.Models;
using K8sAgentPlatform.Bench.Pipeline;
using K8sAgentPlatform.Cli.Client;
using K8sAgentPlatform.Cli.Embedded;
using K8sAgentPlatform.KubeSandbox;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.TestSupport;

// Requests through the distributed platform (five processes on RabbitMQ), or with --embedded through the embedded
// host (every service in this process on the in-memory bus, as `k8s-agent serve` runs them), against the sandbox
// cluster, next to the bare KubernetesClient calls the same operations need, with where the platform's time goes (the
// services' spans, exported over OTLP/HTTP to a receiver in this process) and each service's resident memory at the end.
// Figures are printed, never asserted.
//   dotnet run -c Release --project bench/pipeline -- [N] [--concurrency C] [--deployments K] [--json] [--poll] [--warmup W] [--embedded]
var settings = BenchSettings.Parse(args);
if (settings is null)
{
    Console.Error.WriteLine("usage: pipeline-bench [N (default 40, half get_status, half scale)] [--concurrency C (4)] [--deployments K (8, >= C)] " +
        "[--json (last line: the figures as one JSON object)] [--poll (follow requests by a GET every 20 ms instead of GET ?wait)] " +
        $"[--warmup W (requests of each operation before measuring; N/2, at least {BenchSettings.MinimumWarmup})] " +
        "[--embedded (every service in this process on the in-memory bus instead of five processes on RabbitMQ)]");
    return 2;
}

var rabbitMqUrl = Environment.GetEnvironmentVariable("RABBITMQ_URL") is { Length: > 0 } url ? url : "amqp://guest:guest@127.0.0.1:5672/";
var virtualHosts = settings.Embedded ? null : RabbitMqVirtualHosts.For(rabbitMqUrl);
var virtualHost = $"bench-{Guid.NewGuid():N}";
var busUrl = "";
IReadOnlyDictionary<string, string> brokerUsers = new Dictionary<string, string>();
if (virtualHosts is not null)
{
    try
    {
        busUrl = await virtualHosts.CreateAsync(virtualHost);
        // Each service connects as its own user with the permissions of deploy/rabbitmq/permissions.json, as deployed.
        brokerUsers = await virtualHosts.CreateUsersAsync(virtualHost);
    }
    catch (HttpRequestException e)
    {
        Console.Error.WriteLine($"Needs RabbitMQ with the management plugin ({virtualHosts.ManagementUrl}): {e.Message}. Start it with .ci/start-rabbitmq, set RABBITMQ_URL, or measure the embedded host with --embedded.");
        return 2;
    }
}

var work = Directory.CreateTempSubdirectory("k8s-agent-bench-");
var sandbox = await SandboxServer.StartAsync(new SandboxOptions { Seed = "demo" });
var receiver = await OtlpReceiver.StartAsync();
IReadOnlyDictionary<string, ServiceProcess> services = new Dictionary<string, ServiceProcess>();
EmbeddedPlatform? embedded = null;
try
{
    var kube = sandbox.CreateClient();
    var deployments = Enumerable.Range(0, settings.Deployments).Select(i => $"bench-{i}").ToArray();
    await Cluster.CreateDeploymentsAsync(kube, Cluster.Namespace, deployments);

    // Verification polls as often as the bare client below does, so the comparison is of the pipeline, not of two poll intervals.
    var pollInterval = Cluster.PollInterval.ToString("c", CultureInfo.InvariantCulture);
    // Spans for the per-stage breakdown; a queue large enough that none is dropped at concurrency 16.
    var telemetry = new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
        ["OTEL_BSP_MAX_QUEUE_SIZE"] = "65536",
        ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "4096",
    };
    var started = Stopwatch.GetTimestamp();
    string apiUrl, apiToken;
    if (settings.Embedded)
    {
        var kubeconfig = Path.Combine(work.FullName, "kubeconfig");
        sandbox.WriteKubeconfig(kubeconfig);
        foreach (var (name, value) in telemetry)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        embedded = await EmbeddedPlatform.StartAsync(new EmbeddedSettings(0, kubeconfig, null, Path.Combine(work.FullName, "embedded"),
            Path.Combine(work.FullName, "client.json"), new Dictionary<string, string?>
            {
                ["Executor:Verification:PollInterval"] = pollInterval,
                ["Rollback:Verification:PollInterval"] = pollInterval,
            }), CancellationToken.None);
        (apiUrl, apiToken) = (embedded.Url, ClientSettings.Resolve(asName: "admin", configPath: embedded.ClientConfigPath).Token!);
        Console.WriteLine($"embedded platform (every service in this process, in-memory bus) ready in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s; sandbox {sandbox.BaseUrl}");
    }
    else
    {
        var environment = PlatformServices.Environment(busUrl, sandbox.BaseUrl, work.FullName, new Dictionary<string, string> { ["bench"] = "admin" });
        environment["Executor__Verification__PollInterval"] = pollInterval;
        environment["Rollback__Verification__PollInterval"] = pollInterval;
        foreach (var (name, value) in telemetry)
        {
            environment[name] = value;
        }

        services = await PlatformServices.StartAllAsync(environment, brokerUsers);
        (apiUrl, apiToken) = (services["orchestrator"].Url, PlatformServices.TokenOf("bench"));
        Console.WriteLine($"five services ready on RabbitMQ in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s; sandbox {sandbox.BaseUrl}");
    }

    using var api = new HttpClient { BaseAddress = new Uri(apiUrl), Timeout = TimeSpan.FromSeconds(30) };
    api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);
    var platform = new PlatformClient(api, settings.Poll);
    var replicas = deployments.ToDictionary(d => d, _ => 1);

    // Warm-up (not measured): connections, queues, one of each path; then --warmup requests of each operation at the measured
    // concurrency, so the services' JIT (tiered compilation keeps recompiling hot code for tens of seconds after a start)
    // is mostly behind them and the figures are those of a running platform, not of one just started.
    await platform.RunAsync(Operations.ReadText(deployments[0]));
    await Cluster.ReadAsync(kube, deployments[0]);
    foreach (var lane in Enumerable.Range(0, 2))
    {
        var target = Operations.Toggle(replicas, deployments[lane]);
        await (lane == 0 ? platform.RunAsync(Operations.ScaleText(deployments[lane], target)) : Cluster.ScaleAsync(kube, deployments[lane], target));
    }

    if (settings.Warmup > 0)
    {
        // In a namespace of its own: get_status lists its namespace's events, and the warm-up's rollouts would leave
        // hundreds there that the measured phase would then read.
        var warmedAt = Stopwatch.GetTimestamp();
        await Cluster.CreateDeploymentsAsync(kube, Cluster.WarmupNamespace, deployments);
        var warmupReplicas = deployments.ToDictionary(d => d, _ => 1);
        await Measurement.RunAsync("warm-up", settings.Warmup, settings.Concurrency, deployments,
            async d => await platform.RunAsync(Operations.ReadText(d, Cluster.WarmupNamespace)));
        await Measurement.RunAsync("warm-up", settings.Warmup, settings.Concurrency, deployments,
            async d => await platform.RunAsync(Operations.ScaleText(d, Operations.Toggle(warmupReplicas, d), Cluster.WarmupNamespace)));
        Console.WriteLine($"warm-up: {settings.Warmup} get_status and {settings.Warmup} scale requests in namespace {Cluster.WarmupNamespace} " +
            $"in {Stopwatch.GetElapsedTime(warmedAt).TotalSeconds:0.0} s");
    }

    var half = settings.Requests / 2;
    var reads = settings.Requests - half;
    var cpu = new Dictionary<string, IReadOnlyDictionary<string, double>>();
    var results = new List<(string Operation, Measurement Platform, Measurement Bare)>
    {
        ("get_status",
            await CpuUsage.MeasureAsync(services, settings.Embedded, cpu, "get_status", () =>
                Measurement.RunAsync("platform", reads, settings.Concurrency, deployments, async d => await platform.RunAsync(Operations.ReadText(d)))),
            await Measurement.RunAsync("bare client", reads, settings.Concurrency, deployments, async d => { await Cluster.ReadAsync(kube, d); return true; })),
        ("scale",
            await CpuUsage.MeasureAsync(services, settings.Embedded, cpu, "scale", () =>
                Measurement.RunAsync("platform", half, settings.Concurrency, deployments,
                    Operations.Scaling(replicas, (d, target) => platform.RunAsync(Operations.ScaleText(d, target))))),
            await Measurement.RunAsync("bare client", half, settings.Concurrency, deployments,
                Operations.Scaling(replicas, async (d, target) => { await Cluster.ScaleAsync(kube, d, target); return true; }))),
    };
    // Scaling up waits about the sandbox's pod-ready delay, scaling down a poll or two: half the operations each, so the
    // phase's p50 falls between the two and moves with small shifts. Each direction on its own compares like with like.
    var byDirection = Operations.Directions.Select(direction =>
        (Operation: $"scale_{direction}", Platform: results[1].Platform.Of(direction), Bare: results[1].Bare.Of(direction))).ToArray();

    Console.WriteLine();
    Console.WriteLine($"pipeline bench: {settings.Requests} requests ({reads} get_status, {half} scale), concurrency {settings.Concurrency}, " +
        $"{settings.Deployments} deployments in namespace {Cluster.Namespace}; sandbox pod-ready delay {new SandboxOptions().PodReadyDelay.TotalSeconds:0.0} s; " +
        $"readiness polled every {Cluster.PollInterval.TotalMilliseconds:0} ms by both; " +
        (settings.Poll ? "requests followed by a GET every 20 ms" : "requests followed by GET ?wait"));
    Console.WriteLine($"{"",-40}{"n",5}{"ok",5}{"req/s",9}{"p50 ms",10}{"p95 ms",10}{"p99 ms",10}");
    foreach (var (operation, viaPlatform, bare) in results)
    {
        Console.WriteLine(operation == "get_status" ? "get_status (read deployment)" : "scale (patch scale, wait until ready)");
        Console.WriteLine(viaPlatform.Row());
        Console.WriteLine(bare.Row());
        Console.WriteLine(Measurement.RatioRow(viaPlatform, bare));
    }

    foreach (var (operation, viaPlatform, bare) in byDirection)
    {
        Console.WriteLine(operation == "scale_up" ? "  of which scale up (1 -> 2 replicas: a new pod becomes ready)" : "  of which scale down (2 -> 1 replicas)");
        Console.WriteLine(viaPlatform.Row());
        Console.WriteLine(bare.Row());
        Console.WriteLine(Measurement.RatioRow(viaPlatform, bare));
    }

    // Resident memory before the stage breakdown waits for the last spans, so it is the memory under the load just run.
    var rss = settings.Embedded
        ? new Dictionary<string, double?> { ["embedded (platform, sandbox and bench in one process)"] = Process.GetCurrentProcess().WorkingSet64 / 1048576.0 }
        : services.ToDictionary(s => s.Key, s => s.Value.ResidentMegabytes());
    Console.WriteLine();
    Console.WriteLine("resident memory at the end (VmRSS, MB): " + string.Join(", ", rss.Select(r => $"{r.Key} {r.Value:0}")));
    foreach (var (operation, perService) in cpu)
    {
        Console.WriteLine($"CPU per {operation} request (ms, user + system): " + string.Join(", ", perService.Select(c => $"{c.Key} {c.Value:0.0}")));
    }

    var spans = await SettledSpansAsync(receiver);
    var stages = results.ToDictionary(r => r.Operation, r => Stages.Of(spans, r.Platform.StartedAt, r.Platform.EndedAt, r.Platform.Latencies.Count));
    foreach (var (operation, figures) in stages)
    {
        Stages.Print(operation, figures, rows: 25);
    }

    var failures = results.Sum(r => r.Platform.Failed);
    if (failures > 0)
    {
        Console.WriteLine($"{failures} platform request(s) did not complete; their latency is still counted. Last states: {string.Join(", ", platform.UnexpectedStates.Take(5))}");
    }

    if (settings.Json)
    {
        Console.WriteLine(JsonReport.Of(results.Concat(byDirection), stages, rss, cpu));
    }

    return 0;
}
finally
{
    foreach (var service in services.Values)
    {
        await service.DisposeAsync();
    }

    if (embedded is not null)
    {
        await embedded.DisposeAsync();
    }

    await receiver.DisposeAsync();
    await sandbox.DisposeAsync();
    if (virtualHosts is not null)
    {
        await virtualHosts.DeleteAsync(virtualHost);
        await virtualHosts.DeleteUsersAsync(virtualHost);
    }
    work.Delete(recursive: true);
}

// The exporters send every OTEL_BSP_SCHEDULE_DELAY; the spans are all in once two reads a second apart agree.
static async Task<IReadOnlyList<ReceivedSpan>> SettledSpansAsync(OtlpReceiver receiver)
{
    var count = -1;
    for (var i = 0; i < 30 && receiver.Spans.Count != count; i++)
    {
        count = receiver.Spans.Count;
        await Task.Delay(TimeSpan.FromSeconds(1));
    }

    return receiver.Spans;
}

namespace K8sAgentPlatform.Bench.Pipeline
{
    internal sealed record BenchSettings(int Requests, int Concurrency, int Deployments, bool Json, bool Poll, int Warmup, bool Embedded)
    {
        /// <summary>
        /// The default warm-up's floor: after a start, tiered compilation recompiles the hot paths for the first few hundred
        /// requests, and a 40-request run with 20 of warm-up measured mostly the JIT, not the running platform.
        /// </summary>
        public const int MinimumWarmup = 200;

        public static BenchSettings? Parse(string[] args)
        {
            var requests = 40;
            var concurrency = 4;
            var deployments = 8;
            var json = false;
            var poll = false;
            var embedded = false;
            int? warmup = null;
            for (var i = 0; i < args.Length; i++)
            {
                var ok = args[i] switch
                {
                    "--concurrency" when i + 1 < args.Length => int.TryParse(args[++i], CultureInfo.InvariantCulture, out concurrency),
                    "--deployments" when i + 1 < args.Length => int.TryParse(args[++i], CultureInfo.InvariantCulture, out deployments),
                    "--json" => json = true,
                    "--poll" => poll = true,
                    "--embedded" => embedded = true,
                    "--warmup" when i + 1 < args.Length => int.TryParse(args[++i], CultureInfo.InvariantCulture, out var w) && (warmup = w) >= 0,
                    _ => int.TryParse(args[i], CultureInfo.InvariantCulture, out requests),
                };
                if (!ok)
                {
                    return null;
                }
            }

            return requests >= 2 && concurrency >= 1 && deployments >= concurrency ? new BenchSettings(requests, concurrency, deployments, json, poll, warmup ?? Math.Max(requests / 2, MinimumWarmup), embedded)
                : null;
        }
    }

    /// <summary>
    /// The CPU time each service (and this bench, the client) spent during one platform phase, per request: on a
    /// shared 2-core machine the latency moves with other people's builds, the CPU a request costs much less.
    /// </summary>
    internal static class CpuUsage
    {
        public static async Task<Measurement> MeasureAsync(IReadOnlyDictionary<string, ServiceProcess> services, bool embedded,
            Dictionary<string, IReadOnlyDictionary<string, double>> into, string operation, Func<Task<Measurement>> phase)
        {
            var before = Snapshot(services, embedded);
            var measurement = await phase();
            var after = Snapshot(services, embedded);
            into[operation] = after.Where(a => before.ContainsKey(a.Key))
                .ToDictionary(a => a.Key, a => (a.Value - before[a.Key]).TotalMilliseconds / Math.Max(1, measurement.Latencies.Count));
            return measurement;
        }

        private static Dictionary<string, TimeSpan> Snapshot(IReadOnlyDictionary<string, ServiceProcess> services, bool embedded)
        {
            var times = services.Where(s => s.Value.CpuTime() is not null).ToDictionary(s => s.Key, s => s.Value.CpuTime()!.Value);
            times[embedded ? "embedded (platform, sandbox and bench)" : "bench"] = Process.GetCurrentProcess().TotalProcessorTime;
            // The broker when it runs on this machine (Debian's RabbitMQ is one Erlang VM) and the services use it.
            if (!embedded && Process.GetProcessesByName("beam.smp") is [var broker])
            {
                times["rabbitmq"] = broker.TotalProcessorTime;
            }

            return times;
        }
    }

    internal static class Operations
    {
        public static string ReadText(string deployment, string ns = Cluster.Namespace) => $"kubectl get deployment {deployment} -n {ns}";

        public static string ScaleText(string deployment, int replicas, string ns = Cluster.Namespace) =>
            $"kubectl scale deployment/{deployment} --replicas={replicas} -n {ns}";

        public static readonly string[] Directions = ["up", "down"];

        /// <summary>Scales each deployment it is given to its next replica count with <paramref name="scale"/>, telling up from down.</summary>
        public static Func<string, Task<(bool Ok, string Kind)>> Scaling(Dictionary<string, int> replicas, Func<string, int, Task<bool>> scale) =>
            async deployment =>
            {
                var target = Toggle(replicas, deployment);
                return (await scale(deployment, target), target == 2 ? "up" : "down");
            };

        /// <summary>1 -> 2 -> 1: always within policy's scale factor; a deployment is only ever in one lane, so no lock.</summary>
        public static int Toggle(Dictionary<string, int> replicas, string deployment)
        {
            lock (replicas)
            {
                return replicas[deployment] = replicas[deployment] == 1 ? 2 : 1;
            }
        }
    }

    /// <summary>The bare KubernetesClient calls an operation needs, without the platform.</summary>
    internal static class Cluster
    {
        public const string Namespace = "bench";
        public const string WarmupNamespace = "bench-warmup";
        public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

        public static async Task CreateDeploymentsAsync(IKubernetes kube, string ns, IEnumerable<string> names)
        {
            await kube.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
            foreach (var name in names)
            {
                var labels = new Dictionary<string, string> { ["app"] = name };
                await kube.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
                {
                    Metadata = new V1ObjectMeta { Name = name, Labels = labels },
                    Spec = new V1DeploymentSpec
                    {
                        Replicas = 1,
                        Selector = new V1LabelSelector { MatchLabels = labels },
                        Template = new V1PodTemplateSpec
                        {
                            Metadata = new V1ObjectMeta { Labels = labels },
                            Spec = new V1PodSpec { Containers = [new V1Container { Name = "web", Image = "nginx:1.27.2" }] },
                        },
                    },
                }, ns);
                await WaitUntilReadyAsync(kube, name, 1, ns);
            }
        }

        public static Task<V1Deployment> ReadAsync(IKubernetes kube, string name, string ns = Namespace) => kube.AppsV1.ReadNamespacedDeploymentAsync(name, ns);

        public static async Task ScaleAsync(IKubernetes kube, string name, int replicas)
        {
            await kube.AppsV1.PatchNamespacedDeploymentScaleAsync(
                new V1Patch(ExecutorRequests.ScalePatch(replicas), V1Patch.PatchType.MergePatch), name, Namespace);
            await WaitUntilReadyAsync(kube, name, replicas);
        }

        private static async Task WaitUntilReadyAsync(IKubernetes kube, string name, int replicas, string ns = Namespace)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(60 * Stopwatch.Frequency);
            while (true)
            {
                var d = await ReadAsync(kube, name, ns);
                var s = d.Status;
                if ((s?.ObservedGeneration ?? 0) >= (d.Metadata.Generation ?? 0)
                    && s?.UpdatedReplicas == replicas && s.ReadyReplicas == replicas && s.AvailableReplicas == replicas && (s.Replicas ?? 0) == replicas)
                {
                    return;
                }

                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException($"deployment {name} did not become ready with {replicas} replicas");
                }

                await Task.Delay(PollInterval);
            }
        }
    }

    /// <summary>
    /// Submits a request over the API and follows it until a final state, true when it completed: by GET ?wait (the API
    /// answers when the request changed), or with <c>poll</c> by a plain GET every 20 ms as clients did before ?wait.
    /// </summary>
    internal sealed class PlatformClient(HttpClient api, bool poll)
    {
        private static IReadOnlySet<string> FinalStates => K8sAgentPlatform.Contracts.RequestStates.Final;
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

        public List<string> UnexpectedStates { get; } = [];

        public async Task<bool> RunAsync(string text)
        {
            var submitted = await api.PostAsJsonAsync("/api/requests", new { text });
            submitted.EnsureSuccessStatusCode();
            var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
            var deadline = Stopwatch.GetTimestamp() + (long)(120 * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var request = await api.GetFromJsonAsync<JsonElement>(poll ? $"/api/requests/{id}" : $"/api/requests/{id}?wait=30");
                var state = request.GetProperty("state").GetString()!;
                if (FinalStates.Contains(state))
                {
                    if (state != "Completed")
                    {
                        lock (UnexpectedStates)
                        {
                            UnexpectedStates.Add($"{text} -> {state}");
                        }
                    }

                    return state == "Completed";
                }

                if (poll)
                {
                    await Task.Delay(PollInterval);
                }
            }

            throw new TimeoutException($"request {id} ({text}) did not reach a final state in 120 s");
        }
    }

    /// <summary>
    /// Latencies of one phase: <c>count</c> operations by <c>concurrency</c> lanes, lane i owning the deployments
    /// i, i + C, ..., so no two operations in flight touch one deployment.
    /// </summary>
    internal sealed class Measurement
    {
        private Measurement(string name, List<(double Ms, bool Ok, string Kind)> samples, TimeSpan wall, DateTimeOffset startedAt)
        {
            Name = name;
            this.samples = samples;
            Latencies = [.. samples.Select(s => s.Ms)];
            Failed = samples.Count(s => !s.Ok);
            Wall = wall;
            StartedAt = startedAt;
        }

        /// <summary>Each operation's latency, whether it succeeded, and what it was of (scale up or down; empty when all are alike).</summary>
        private readonly List<(double Ms, bool Ok, string Kind)> samples;

        public string Name { get; }
        public List<double> Latencies { get; }
        public int Failed { get; }
        public TimeSpan Wall { get; }
        public DateTimeOffset StartedAt { get; }
        public DateTimeOffset EndedAt => StartedAt + Wall;
        public double Throughput => Latencies.Count / Wall.TotalSeconds;

        public static Task<Measurement> RunAsync(string name, int count, int concurrency, IReadOnlyList<string> deployments, Func<string, Task<bool>> operation) =>
            RunAsync(name, count, concurrency, deployments, async d => (await operation(d), ""));

        public static async Task<Measurement> RunAsync(string name, int count, int concurrency, IReadOnlyList<string> deployments,
            Func<string, Task<(bool Ok, string Kind)>> operation)
        {
            var samples = new List<(double, bool, string)>();
            var next = -1;
            var startedAt = DateTimeOffset.UtcNow;
            var started = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async lane =>
            {
                var owned = deployments.Where((_, i) => i % concurrency == lane).ToArray();
                for (var round = 0; Interlocked.Increment(ref next) < count; round++)
                {
                    var begin = Stopwatch.GetTimestamp();
                    var (ok, kind) = await operation(owned[round % owned.Length]);
                    var elapsed = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
                    lock (samples)
                    {
                        samples.Add((elapsed, ok, kind));
                    }
                }
            }));
            return new Measurement(name, samples, Stopwatch.GetElapsedTime(started), startedAt);
        }

        /// <summary>The operations of one kind; its throughput is that kind's share of the phase's.</summary>
        public Measurement Of(string kind) => new(Name, [.. samples.Where(s => s.Kind == kind)], Wall, StartedAt);

        public double Percentile(double p)
        {
            var sorted = Latencies.Order().ToArray();
            return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        }

        public string Row() =>
            $"  {Name,-38}{Latencies.Count,5}{Latencies.Count - Failed,5}{Throughput,9:0.0}{Percentile(50),10:0.0}{Percentile(95),10:0.0}{Percentile(99),10:0.0}";

        public static string RatioRow(Measurement platform, Measurement bare) =>
            $"  {"ratio platform / bare",-38}{"",5}{"",5}{platform.Throughput / bare.Throughput,9:0.00}" +
            $"{platform.Percentile(50) / bare.Percentile(50),10:0.00}{platform.Percentile(95) / bare.Percentile(95),10:0.00}{platform.Percentile(99) / bare.Percentile(99),10:0.00}";
    }
}
