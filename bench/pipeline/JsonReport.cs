using System.Text.Json;

namespace K8sAgentPlatform.Bench.Pipeline;

/// <summary>
/// The figures as one JSON object, for scripts that compare runs:
/// <c>{"operations":[{"name" (get_status, scale, and scale_up and scale_down: the scale operations of each direction),"platform":{n,ok,rps,p50_ms,p95_ms,p99_ms},"bare":{...}}],"stages":{operation:{stage:{...}}},"rss_mb":{service:MB},"cpu_ms_per_request":{operation:{service:ms}}}</c>.
/// </summary>
internal static class JsonReport
{
    public static string Of(IEnumerable<(string Operation, Measurement Platform, Measurement Bare)> results,
        IReadOnlyDictionary<string, IReadOnlyList<StageFigure>> stages, IReadOnlyDictionary<string, double?> rss,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> cpuMsPerRequest) =>
        JsonSerializer.Serialize(new
        {
            operations = results.Select(r => new { name = r.Operation, platform = Figures(r.Platform), bare = Figures(r.Bare) }),
            stages = stages.ToDictionary(s => s.Key, s => s.Value.ToDictionary(f => f.Stage, f => new
            {
                n = f.Count,
                p50_ms = Round(f.P50Ms),
                p95_ms = Round(f.P95Ms),
                ms_per_request = Round(f.MsPerRequest),
            })),
            rss_mb = rss.ToDictionary(r => r.Key, r => r.Value is { } mb ? Round(mb) : (double?)null),
            cpu_ms_per_request = cpuMsPerRequest.ToDictionary(c => c.Key, c => c.Value.ToDictionary(s => s.Key, s => Round(s.Value))),
        });

    private static object Figures(Measurement m) => new
    {
        n = m.Latencies.Count,
        ok = m.Latencies.Count - m.Failed,
        rps = Round(m.Throughput),
        p50_ms = Round(m.Percentile(50)),
        p95_ms = Round(m.Percentile(95)),
        p99_ms = Round(m.Percentile(99)),
    };

    private static double Round(double value) => Math.Round(value, 1);
}
