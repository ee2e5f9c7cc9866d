using System.Net;
using k8s;
using k8s.Autorest;
using K8sAgentPlatform.KubeSandbox.Api;

namespace K8sAgentPlatform.KubeSandbox.Tests;

public sealed class FaultAndSecurityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Injected_faults_are_seen_at_about_the_configured_rate()
    {
        await using var server = await Sandbox.StartAsync(seed: null);
        using var client = server.CreateClient();
        server.Faults.Reset(newSeed: 42);
        server.Faults.Add(new FaultRule(500, 0.2, Verb: "get", Resource: "namespaces"));
        server.Faults.Add(new FaultRule(429, 0.1, Verb: "list", Resource: "namespaces", RetryAfterSeconds: 3));

        var failures = new Dictionary<HttpStatusCode, int>();
        string? retryAfter = null;
        const int Requests = 200;
        for (var i = 0; i < Requests; i++)
        {
            try
            {
                if (i % 2 == 0)
                {
                    await client.CoreV1.ReadNamespaceAsync(name: "default", cancellationToken: Ct);
                }
                else
                {
                    await client.CoreV1.ListNamespaceAsync(cancellationToken: Ct);
                }
            }
            catch (HttpOperationException e)
            {
                failures[e.Response.StatusCode] = failures.GetValueOrDefault(e.Response.StatusCode) + 1;
                if (e.Response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    retryAfter = e.Response.Headers.TryGetValue("Retry-After", out var values) ? values.First() : null;
                }
            }
        }

        // 100 gets at 20% and 100 lists at 10%: bounds are several standard deviations wide.
        failures.GetValueOrDefault(HttpStatusCode.InternalServerError).ShouldBeInRange(8, 35);
        failures.GetValueOrDefault(HttpStatusCode.TooManyRequests).ShouldBeInRange(2, 22);
        failures.Keys.ShouldBeSubsetOf([HttpStatusCode.InternalServerError, HttpStatusCode.TooManyRequests]);
        retryAfter.ShouldBe("3");
        server.Faults.InjectedCount.ShouldBe(failures.Values.Sum());
    }

    [Fact]
    public async Task Added_latency_delays_every_answer()
    {
        await using var server = await Sandbox.StartAsync(seed: null);
        using var client = server.CreateClient();
        server.Faults.Latency = TimeSpan.FromMilliseconds(300);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await client.CoreV1.ReadNamespaceAsync(name: "default", cancellationToken: Ct);

        watch.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(290));
    }

    [Fact]
    public async Task Over_https_a_token_is_required_and_the_generated_ca_is_trusted()
    {
        await using var server = await Sandbox.StartAsync(seed: null, https: true, token: "s3cret");
        using var client = server.CreateClient();

        var list = await client.CoreV1.ListNamespaceAsync(cancellationToken: Ct);
        list.Items.Select(n => n.Metadata.Name).ShouldContain("kube-system");
        server.BaseUrl.ShouldStartWith("https://127.0.0.1:");

        using var anonymous = new Kubernetes(new KubernetesClientConfiguration { Host = server.BaseUrl, SkipTlsVerify = true });
        var denied = await Should.ThrowAsync<HttpOperationException>(() => anonymous.CoreV1.ListNamespaceAsync(cancellationToken: Ct));
        denied.Response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
