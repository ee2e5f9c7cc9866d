using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation;

/// <summary>Generated container logs: a start line, then one request line every two seconds of uptime.</summary>
internal static class PodLogs
{
    private static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(2);
    private const int MaxLines = 1000;
    private static readonly string[] Paths = ["/", "/healthz", "/api/orders", "/api/users", "/metrics"];

    public static string Render(JsonObject pod, string container, DateTimeOffset now, int? tailLines, int? sinceSeconds)
    {
        var status = pod.Objects("status", "containerStatuses").FirstOrDefault(c => c.Str("name") == container);
        if (status?.Str("state", "waiting", "reason") is { } waiting && waiting != "CrashLoopBackOff")
        {
            throw ApiException.BadRequest(waiting is "ImagePullBackOff" or "ErrImagePull"
                ? $"container \"{container}\" in pod \"{pod.Name()}\" is waiting to start: trying and failing to pull image"
                : $"container \"{container}\" in pod \"{pod.Name()}\" is waiting to start: {waiting}");
        }
        var image = pod.Objects("spec", "containers").FirstOrDefault(c => c.Str("name") == container)?.Str("image") ?? "";
        var lines = new List<(DateTimeOffset Time, string Text)>();
        if (status?.Str("state", "waiting", "reason") == "CrashLoopBackOff")
        {
            var finished = status.Time("lastState", "terminated", "finishedAt") ?? now;
            lines.Add((finished, $"starting {container} ({image})"));
            lines.Add((finished, "fatal: crash requested (CRASH=1), exiting with status 1"));
        }
        else if (status?.Time("state", "running", "startedAt") is { } started)
        {
            lines.Add((started, $"starting {container} ({image})"));
            lines.Add((started, "listening on :8080"));
            var count = (int)Math.Min(MaxLines, Math.Max(0, (now - started) / LineInterval));
            for (var i = 1; i <= count; i++)
            {
                var path = Paths[i % Paths.Length];
                lines.Add((started + (LineInterval * i), $"GET {path} 200 {3 + (i * 7 % 40)}ms request_id={i:D6}"));
            }
        }
        if (sinceSeconds is { } since)
        {
            lines = lines.Where(l => l.Time >= now.AddSeconds(-since)).ToList();
        }
        if (tailLines is { } tail && tail >= 0)
        {
            lines = lines.Skip(Math.Max(0, lines.Count - tail)).ToList();
        }
        var text = new StringBuilder();
        foreach (var (time, line) in lines)
        {
            text.Append(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
                .Append(" INFO ").Append(line).Append('\n');
        }
        return text.ToString();
    }
}
