using System.Net;
using System.Net.Sockets;
using System.Text;

namespace K8sAgentPlatform.Policy.Tests;

/// <summary>
/// A tiny HTTP server answering the few REST paths the KubernetesClient calls, so the real client is
/// exercised over HTTP. Routes map "METHOD path" (query excluded) to a status and a JSON body.
/// </summary>
internal sealed class KubeApiStub : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public sealed record Request(string Method, string Path, string Query, string ContentType, string Body);

    public Dictionary<string, (int Status, string Json)> Routes { get; } = new(StringComparer.Ordinal);
    public List<Request> Requests { get; } = [];
    public string Url { get; }

    public KubeApiStub()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public static string Status(int code, string reason, string message) =>
        $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{message}}","reason":"{{reason}}","code":{{code}}}""";

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var path = context.Request.Url!.AbsolutePath;
            var request = new Request(context.Request.HttpMethod, path, context.Request.Url.Query, context.Request.ContentType ?? "", body);
            lock (Requests)
            {
                Requests.Add(request);
            }

            var (status, json) = Routes.TryGetValue($"{request.Method} {path}", out var route)
                ? route
                : (404, Status(404, "NotFound", $"{path} not found"));
            var bytes = Encoding.UTF8.GetBytes(json);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_listener.IsListening)
        {
            return;
        }

        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
