using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Intent.Tests.OpenAi;

/// <summary>
/// An OpenAI-compatible chat completions server on 127.0.0.1 and a free port: records every request and
/// answers with the scripted answers in order (a 500 naming the gap when the script runs out).
/// </summary>
public sealed class OpenAiStub : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Queue<StubAnswer> script = new();
    private readonly List<RecordedRequest> requests = [];
    private readonly Lock gate = new();

    private OpenAiStub(WebApplication app) => this.app = app;

    /// <summary>The API root to configure as BaseUrl, ending in /v1.</summary>
    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (gate)
            {
                return [.. requests];
            }
        }
    }

    public static async Task<OpenAiStub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var stub = new OpenAiStub(app);
        app.Run(stub.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        stub.BaseUrl = address.TrimEnd('/') + "/v1";
        return stub;
    }

    public OpenAiStub Then(StubAnswer answer)
    {
        lock (gate)
        {
            script.Enqueue(answer);
        }

        return this;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        StubAnswer? answer;
        lock (gate)
        {
            requests.Add(new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body));
            script.TryDequeue(out answer);
        }

        answer ??= StubAnswer.Error(500, "the test scripted no answer for this request");
        if (answer.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(answer.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        context.Response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers)
        {
            context.Response.Headers[name] = value;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }
}

public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonNode Json => JsonNode.Parse(Body) ?? throw new InvalidOperationException("The request had no JSON body.");
}

public sealed record StubAnswer(int Status, string Body, IReadOnlyDictionary<string, string> Headers, TimeSpan Delay = default)
{
    /// <summary>A chat completion whose message carries <paramref name="content"/> (or a refusal).</summary>
    public static StubAnswer Completion(string? content, string finishReason = "stop", string? refusal = null)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = content, ["refusal"] = refusal };
        var body = new JsonObject
        {
            ["id"] = "chatcmpl-stub",
            ["object"] = "chat.completion",
            ["created"] = 1_764_500_000,
            ["model"] = "gpt-5.5",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = finishReason }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 900, ["completion_tokens"] = 120, ["total_tokens"] = 1020 },
        };
        return new StubAnswer(200, body.ToJsonString(), new Dictionary<string, string>());
    }

    public static StubAnswer Refusal(string text) => Completion(null, refusal: text);

    public static StubAnswer Error(int status, string message, int? retryAfterSeconds = null)
    {
        var body = new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = status == 429 ? "rate_limit_exceeded" : "server_error", ["code"] = null },
        };
        var headers = new Dictionary<string, string>();
        if (retryAfterSeconds is { } seconds)
        {
            headers["retry-after"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new StubAnswer(status, body.ToJsonString(), headers);
    }

    public StubAnswer After(TimeSpan delay) => this with { Delay = delay };
}
