using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace K8sAgentPlatform.Remediation.Tests;

/// <summary>
/// Debian's prometheus-alertmanager on loopback with gossip off, its webhook pointed at the platform with the
/// webhook token. Tests that need it are skipped, with the reason, when the binary is not on PATH.
/// </summary>
public sealed class AlertmanagerProcess : IAsyncDisposable
{
    public const string Binary = "prometheus-alertmanager";

    private readonly Process process;
    private readonly DirectoryInfo work;
    private readonly HttpClient http;

    private AlertmanagerProcess(Process process, DirectoryInfo work, Uri url)
    {
        this.process = process;
        this.work = work;
        Url = url;
        http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Url { get; }

    public static string RequireBinary() =>
        Find(Binary) ?? throw Xunit.Sdk.SkipException.ForSkip(
            $"SKIPPED: {Binary} is not on PATH (apt-get install -y prometheus-alertmanager, as .ci/install-monitoring does)");

    public static async Task<AlertmanagerProcess> StartAsync(int port, Uri webhook, string token, string groupBy, TimeSpan repeatInterval)
    {
        var binary = RequireBinary();
        var work = Directory.CreateTempSubdirectory("alertmanager-");
        var tokenFile = Path.Combine(work.FullName, "webhook-token");
        await File.WriteAllTextAsync(tokenFile, token);
        var config = Path.Combine(work.FullName, "alertmanager.yml");
        await File.WriteAllTextAsync(config, $"""
            route:
              receiver: k8s-agent
              group_by: [{groupBy}]
              group_wait: 1s
              group_interval: 1s
              repeat_interval: {(int)repeatInterval.TotalSeconds}s
            receivers:
              - name: k8s-agent
                webhook_configs:
                  - url: {webhook}
                    send_resolved: true
                    http_config:
                      authorization:
                        type: Bearer
                        credentials_file: {tokenFile}
            """);
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     $"--config.file={config}", $"--storage.path={Path.Combine(work.FullName, "data")}",
                     $"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn",
                 })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var alertmanager = new AlertmanagerProcess(process, work, new Uri($"http://127.0.0.1:{port}"));
        await Eventually.HoldsAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Binary} exited with {process.ExitCode} at start");
            }

            try
            {
                return (await alertmanager.http.GetAsync("/-/ready")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "Alertmanager ready");
        return alertmanager;
    }

    /// <summary>POST /api/v2/alerts; an <paramref name="endsAt"/> in the past resolves the alerts.</summary>
    public async Task PostAsync(IEnumerable<IReadOnlyDictionary<string, string>> alerts, DateTimeOffset? endsAt = null)
    {
        var body = alerts.Select(labels => endsAt is { } end
            ? (object)new { labels, startsAt = end.AddMinutes(-5), endsAt = end }
            : new { labels }).ToList();
        using var response = await http.PostAsJsonAsync("/api/v2/alerts", body);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The fingerprints of the alerts Alertmanager holds as active.</summary>
    public async Task<IReadOnlyList<string>> ActiveFingerprintsAsync()
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync("/api/v2/alerts?active=true"));
        return document.RootElement.EnumerateArray().Select(a => a.GetProperty("fingerprint").GetString()!).ToList();
    }

    private static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        try
        {
            work.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still being closed; the temp directory is cleaned by the OS.
        }
    }
}
