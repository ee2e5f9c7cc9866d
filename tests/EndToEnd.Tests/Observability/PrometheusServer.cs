using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace K8sAgentPlatform.EndToEnd.Tests.Observability;

/// <summary>
/// Debian's Prometheus on loopback, scraping the given /metrics endpoints every second, with its own
/// storage in a temporary directory. Skips the test when the binary is not installed (.ci/install-monitoring).
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process process;
    private readonly DirectoryInfo work;
    private readonly StringBuilder output = new();
    private readonly HttpClient http;

    private PrometheusServer(Process process, DirectoryInfo work, string url)
    {
        this.process = process;
        this.work = work;
        Url = url;
        http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(5) };
    }

    public string Url { get; }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static string? Binary(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <param name="targets">job name -> base URL of a service (its /metrics is scraped).</param>
    /// <param name="ruleFiles">alert or recording rule files to load.</param>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, string> targets, params string[] ruleFiles)
    {
        var binary = Binary("prometheus") ?? throw Xunit.Sdk.SkipException.ForSkip(
            "SKIPPED: Debian's prometheus is not on PATH (bash .ci/install-monitoring installs it)");
        var work = Directory.CreateTempSubdirectory("k8s-agent-prometheus-");
        var config = new StringBuilder("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n");
        if (ruleFiles.Length > 0)
        {
            config.Append("rule_files:\n");
            foreach (var file in ruleFiles)
            {
                config.Append($"  - '{file}'\n");
            }
        }

        config.Append("scrape_configs:\n");
        foreach (var (job, url) in targets)
        {
            config.Append($"  - job_name: '{job}'\n    static_configs:\n      - targets: ['{new Uri(url).Authority}']\n");
        }

        var configFile = Path.Combine(work.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(configFile, config.ToString());
        var listen = $"127.0.0.1:{FreePort()}";
        var start = new ProcessStartInfo(binary,
        [
            $"--config.file={configFile}",
            $"--storage.tsdb.path={Path.Combine(work.FullName, "data")}",
            $"--web.listen-address={listen}",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start prometheus");
        var server = new PrometheusServer(process, work, $"http://{listen}");
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitUntilReadyAsync();
        return server;
    }

    /// <summary>The instant vector of a PromQL query: each series' labels and value.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string promql)
    {
        var body = await http.GetFromJsonAsync<JsonElement>($"/api/v1/query?query={Uri.EscapeDataString(promql)}");
        return body.GetProperty("data").GetProperty("result").EnumerateArray().Select(series => (
            (IReadOnlyDictionary<string, string>)series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""),
            double.Parse(series.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture))).ToArray();
    }

    /// <summary>Queries until <paramref name="done"/> holds for the result, or fails with the last result and Prometheus's targets.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> WaitForAsync(
        string promql, Func<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var result = await QueryAsync(promql);
            if (done(result))
            {
                return result;
            }

            if (DateTime.UtcNow > deadline)
            {
                var targets = await http.GetStringAsync("/api/v1/targets");
                throw new TimeoutException($"{promql} gave [{string.Join("; ", result.Select(r => $"{string.Join(",", r.Labels.Select(l => $"{l.Key}={l.Value}"))} {r.Value}"))}]\ntargets: {targets}\n{Output}");
            }

            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        work.Delete(recursive: true);
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with code {process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await http.GetAsync("/-/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // busy machine; ask again
            }

            (DateTime.UtcNow < deadline).ShouldBeTrue($"prometheus did not become ready:\n{Output}");
            await Task.Delay(100);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
