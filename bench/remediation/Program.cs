using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using K8sAgentPlatform.Cli.Embedded;
using K8sAgentPlatform.Remediation.Coordination;
using K8sAgentPlatform.WebApi.Auth;
using Microsoft.Extensions.DependencyInjection;

// An alert storm against the embedded platform (every service in this process, in-memory bus, SQLite, the sandbox):
// N Alertmanager webhook notifications (one firing alert each) over F fingerprints, posted by C clients at once.
// Prints how many remediations were submitted (one per fingerprint is right) and the webhook's answer latency.
// Figures are printed, never asserted.
//   dotnet run -c Release --project bench/remediation -- [N (1000)] [--fingerprints F (50)] [--concurrency C (16)]
var notifications = 1000;
var fingerprints = 50;
var concurrency = 16;
for (var i = 0; i < args.Length; i++)
{
    var ok = args[i] switch
    {
        "--fingerprints" when i + 1 < args.Length => int.TryParse(args[++i], CultureInfo.InvariantCulture, out fingerprints),
        "--concurrency" when i + 1 < args.Length => int.TryParse(args[++i], CultureInfo.InvariantCulture, out concurrency),
        _ => int.TryParse(args[i], CultureInfo.InvariantCulture, out notifications),
    };
    if (!ok || notifications < 1 || fingerprints < 1 || fingerprints > 1000 || concurrency < 1)
    {
        Console.Error.WriteLine("usage: remediation-bench [N notifications (1000)] [--fingerprints F (50, at most 1000)] [--concurrency C (16)]");
        return 2;
    }
}

const string WebhookToken = "k8sa_bench-alertmanager-webhook-token";
const string Namespace = "dev";
var work = Directory.CreateTempSubdirectory("k8s-agent-remediation-bench-");
var rules = Path.Combine(work.FullName, "rules.yaml");
await File.WriteAllTextAsync(rules, """
    rules:
      - name: crashloop-restart
        matchers: ['alertname="KubeDeploymentCrashLooping"', 'namespace="dev"']
        text: "restart deployment {{ $labels.deployment }} in {{ $labels.namespace }}"
        operation_type: restart
        auto_confirm: true
        cooldown: 1h
    """);
var overrides = new Dictionary<string, string?>
{
    ["Remediation:RulesFile"] = rules,
    ["Remediation:WebhookTokenSha256"] = TokenFile.Hash(WebhookToken),
    ["Remediation:AlertmanagerUrl"] = "http://127.0.0.1:9", // no effectiveness checks are measured here
    // The cap is raised to the number of fingerprints, so the count measures deduplication, not the cap
    // (with the default 5, the rest are refused until Alertmanager repeats them, which this storm does not wait for).
    ["Remediation:MaxConcurrent"] = (fingerprints + 1).ToString(CultureInfo.InvariantCulture), // + the warm-up's remediation
    ["Logging:LogLevel:Default"] = "Warning",
    // The effectiveness checks after each remediation find no Alertmanager (none runs here) and warn, once per fingerprint.
    ["Logging:LogLevel:K8sAgentPlatform.Remediation.Coordination.RemediationTracker"] = "Error",
};

var started = Stopwatch.GetTimestamp();
var platform = await EmbeddedPlatform.StartAsync(new EmbeddedSettings(0, null, "demo", work.FullName,
    Path.Combine(work.FullName, "client.json"), overrides), CancellationToken.None);
try
{
    Console.WriteLine($"embedded platform ready in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s at {platform.Url}");
    var cluster = platform.CreateSandboxClient()!;
    var names = Enumerable.Range(0, fingerprints).Select(i => $"storm-{i:000}").ToArray();
    const string WarmupDeployment = "warm-up";
    await CopyDeploymentAsync(cluster, "web", Namespace, [.. names, WarmupDeployment]);

    using var webhook = new HttpClient { BaseAddress = new Uri(platform.Url), Timeout = TimeSpan.FromSeconds(60) };
    webhook.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", WebhookToken);
    // Warm-up (not measured): JIT and the connection, with alerts no rule matches, then one remediation of a deployment
    // outside the storm, so the storm meets a running platform rather than the first submit's JIT and bus set-up (which
    // alone made the first 16 answers of the storm wait about 200 ms).
    var coordinator = platform.Services.GetRequiredService<RemediationCoordinator>();
    for (var i = 0; i < 20; i++)
    {
        using var warm = await webhook.PostAsync("/webhooks/alertmanager", Notification(WarmupDeployment, "NoSuchAlert", i));
        warm.EnsureSuccessStatusCode();
    }

    const int WarmupFingerprint = 0xFFFFFF;
    using (var warmRemediation = await webhook.PostAsync("/webhooks/alertmanager", Notification(WarmupDeployment, "KubeDeploymentCrashLooping", WarmupFingerprint)))
    {
        warmRemediation.EnsureSuccessStatusCode();
    }

    // Any end will do: the warm-up is for the submit path, and how it ends is shown (the storm's counts leave it out).
    string[] ends = ["completed", "failed", "rejected", "not_run"];
    if (!await WithinAsync(() => ends.Any(e => coordinator.Outcomes.GetValueOrDefault(e) > 0), TimeSpan.FromMinutes(1)))
    {
        Console.Error.WriteLine($"The warm-up remediation did not end within a minute (outcomes: {string.Join(", ", coordinator.Outcomes.Select(o => $"{o.Key} {o.Value}"))}); nothing measured.");
        return 1;
    }

    Console.WriteLine($"warm-up remediation: {string.Join(", ", ends.Where(e => coordinator.Outcomes.GetValueOrDefault(e) > 0))}");

    var outcomesBefore = coordinator.Outcomes;

    var latencies = new List<double>();
    var statuses = new Dictionary<int, int>();
    var next = -1;
    var stormStarted = Stopwatch.GetTimestamp();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int n;
        while ((n = Interlocked.Increment(ref next)) < notifications)
        {
            using var body = Notification(names[n % fingerprints], "KubeDeploymentCrashLooping", n % fingerprints);
            var begin = Stopwatch.GetTimestamp();
            using var answer = await webhook.PostAsync("/webhooks/alertmanager", body);
            var elapsed = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
            lock (latencies)
            {
                latencies.Add(elapsed);
                statuses[(int)answer.StatusCode] = statuses.GetValueOrDefault((int)answer.StatusCode) + 1;
            }
        }
    }));
    var storm = Stopwatch.GetElapsedTime(stormStarted);

    var warmupKey = Fingerprint("KubeDeploymentCrashLooping", WarmupFingerprint);
    var submitted = coordinator.SubmittedPerFingerprint.Where(s => s.Key != warmupKey).ToDictionary();
    var sorted = latencies.Order().ToArray();
    double Percentile(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    Console.WriteLine();
    Console.WriteLine($"alert storm: {notifications} notifications (one firing alert each) over {fingerprints} fingerprints, {concurrency} clients at once, " +
        $"Remediation:MaxConcurrent {fingerprints + 1} (one for the warm-up's), in {storm.TotalSeconds:0.0} s ({notifications / storm.TotalSeconds:0} notifications/s)");
    Console.WriteLine($"  webhook answers: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Value} x {s.Key}"))}");
    Console.WriteLine($"  webhook latency ms: p50 {Percentile(50):0.0}, p95 {Percentile(95):0.0}, p99 {Percentile(99):0.0}, max {sorted[^1]:0.0}   (goal: p99 < 50)");
    Console.WriteLine($"  remediations submitted: {submitted.Values.Sum()} for {submitted.Count} fingerprints (expected exactly {fingerprints}, one each)");
    Console.WriteLine($"  decisions: {string.Join(", ", Since(outcomesBefore, coordinator.Outcomes).Where(o => o.Value > 0).OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}"))}");

    // How the submitted remediations ended: not part of the webhook's latency, shown so a lost one would be seen.
    var drained = Stopwatch.GetTimestamp();
    await WithinAsync(() => coordinator.InFlight.Count == 0, TimeSpan.FromMinutes(3));

    var outcomes = Since(outcomesBefore, coordinator.Outcomes);
    Console.WriteLine($"  after {Stopwatch.GetElapsedTime(drained).TotalSeconds:0.0} s: {coordinator.InFlight.Count} still in flight; " +
        $"completed {outcomes.GetValueOrDefault("completed")}, failed {outcomes.GetValueOrDefault("failed")}, rejected {outcomes.GetValueOrDefault("rejected")}, not run {outcomes.GetValueOrDefault("not_run")}");
    Console.WriteLine($"  resident memory of this process (the whole platform, the sandbox and the bench): {ResidentMegabytes():0} MB");
    return 0;
}
finally
{
    await platform.DisposeAsync();
    try
    {
        work.Delete(recursive: true);
    }
    catch (IOException)
    {
        // SQLite may still hold a file for a moment; the temp directory is cleaned by the OS.
    }
}

// Alertmanager's webhook body, version 4, with one firing alert; the fingerprint is the same for the same deployment.
static StringContent Notification(string deployment, string alertname, int fingerprint)
{
    var labels = new Dictionary<string, string>
    {
        ["alertname"] = alertname,
        ["deployment"] = deployment,
        ["namespace"] = Namespace,
        ["severity"] = "critical",
    };
    var body = new Dictionary<string, object>
    {
        ["receiver"] = "k8s-agent",
        ["status"] = "firing",
        ["alerts"] = new[]
        {
            new Dictionary<string, object>
            {
                ["status"] = "firing",
                ["labels"] = labels,
                ["annotations"] = new Dictionary<string, string> { ["summary"] = $"{deployment} is crash looping" },
                ["startsAt"] = "2026-12-01T10:00:00Z",
                ["endsAt"] = "0001-01-01T00:00:00Z",
                ["generatorURL"] = "http://127.0.0.1:9/graph",
                ["fingerprint"] = Fingerprint(alertname, fingerprint),
            },
        },
        ["groupLabels"] = new Dictionary<string, string> { ["alertname"] = alertname },
        ["commonLabels"] = labels,
        ["commonAnnotations"] = new Dictionary<string, string>(),
        // Nothing listens there: the effectiveness check, after the storm, finds no Alertmanager and says so.
        ["externalURL"] = "http://127.0.0.1:9",
        ["version"] = "4",
        ["groupKey"] = $"{{}}:{{alertname=\"{alertname}\"}}",
        ["truncatedAlerts"] = 0,
    };
    return new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}

static string Fingerprint(string alertname, int index) => $"{alertname.Length:x4}{index:x12}";

// The storm's share of the coordinator's counters: what they hold now less what the warm-up left.
static Dictionary<string, int> Since(IReadOnlyDictionary<string, int> before, IReadOnlyDictionary<string, int> now) =>
    now.ToDictionary(o => o.Key, o => o.Value - before.GetValueOrDefault(o.Key));

static async Task CopyDeploymentAsync(IKubernetes cluster, string source, string ns, IEnumerable<string> names)
{
    var template = await cluster.AppsV1.ReadNamespacedDeploymentAsync(source, ns);
    foreach (var name in names)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        await cluster.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = template.Spec.Template.Spec },
            },
        }, ns);
    }
}

static double? ResidentMegabytes()
{
    var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)) : null;
    return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
}

// Whether the platform reached a state within the limit: the bench's own progress, read every 100 ms (not a test).
static async Task<bool> WithinAsync(Func<bool> reached, TimeSpan limit)
{
    var started = Stopwatch.GetTimestamp();
    while (!reached())
    {
        if (Stopwatch.GetElapsedTime(started) > limit)
        {
            return false;
        }

        await Task.Delay(100);
    }

    return true;
}
