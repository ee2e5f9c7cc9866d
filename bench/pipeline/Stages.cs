using System.Globalization;
using System.Text.RegularExpressions;
using K8sAgentPlatform.TestSupport;

namespace K8sAgentPlatform.Bench.Pipeline;

/// <summary>One stage's spans in one phase: how many, their p50 and p95, and their summed time per request.</summary>
internal sealed record StageFigure(string Stage, int Count, double P50Ms, double P95Ms, double MsPerRequest);

/// <summary>
/// Where a request's time goes, from the spans the services export over OTLP: spans grouped by service and name
/// (API, parse, policy, saga, executor, Kubernetes calls, bus send/receive/consume), plus one "hop" figure per
/// cross-process edge: from the start of the parent span in one service (a send or publish) to the start of its
/// child in the next (the receive), which is the broker, the queue wait and the consumer's prefetch.
/// Spans nest, so the summed times of different stages overlap and do not add up to the latency.
/// </summary>
internal static partial class Stages
{
    public static IReadOnlyList<StageFigure> Of(IReadOnlyList<ReceivedSpan> all, DateTimeOffset from, DateTimeOffset to, int requests)
    {
        var start = UnixNano(from);
        var end = UnixNano(to);
        var spans = all.Where(s => s.StartUnixNano >= start && s.StartUnixNano <= end).ToList();
        var byId = new Dictionary<string, ReceivedSpan>();
        foreach (var span in all)
        {
            byId.TryAdd(span.SpanId, span);
        }

        var samples = new List<(string Stage, double Ms)>();
        foreach (var span in spans)
        {
            var name = Normalize(span.Name);
            samples.Add(($"{span.Service}: {name}", span.DurationMs));
            if (span.ParentSpanId.Length > 0 && byId.TryGetValue(span.ParentSpanId, out var parent) && parent.Service != span.Service
                && span.StartUnixNano >= parent.StartUnixNano)
            {
                samples.Add(($"hop {parent.Service} -> {span.Service}: {name}", (span.StartUnixNano - parent.StartUnixNano) / 1e6));
            }
        }

        return samples.GroupBy(s => s.Stage)
            .Select(g =>
            {
                var sorted = g.Select(s => s.Ms).Order().ToArray();
                return new StageFigure(g.Key, sorted.Length, Percentile(sorted, 50), Percentile(sorted, 95), sorted.Sum() / Math.Max(1, requests));
            })
            .OrderByDescending(f => f.MsPerRequest)
            .ToList();
    }

    public static void Print(string operation, IReadOnlyList<StageFigure> figures, int rows)
    {
        Console.WriteLine();
        Console.WriteLine($"stages of {operation} through the platform (spans in the measured phase; nested, so they overlap; top {rows} by time per request)");
        Console.WriteLine($"{"",-72}{"n",7}{"p50 ms",10}{"p95 ms",10}{"ms/req",10}");
        foreach (var f in figures.Take(rows))
        {
            var stage = f.Stage.Length > 70 ? f.Stage[..67] + "..." : f.Stage;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {stage,-70}{f.Count,7}{f.P50Ms,10:0.0}{f.P95Ms,10:0.0}{f.MsPerRequest,10:0.0}"));
        }
    }

    public static ulong UnixNano(DateTimeOffset time) => (ulong)(time.ToUnixTimeMilliseconds() * 1_000_000L);

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>Ids and generated queue names in span names would make every request a stage of its own.</summary>
    private static string Normalize(string name) => Ids().Replace(name, "*");

    [GeneratedRegex(@"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}|\b\w+_bus_\w+|\b[0-9a-z]{26,}\b")]
    private static partial Regex Ids();
}
