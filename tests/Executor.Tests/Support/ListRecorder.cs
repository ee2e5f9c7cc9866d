using System.Collections.Concurrent;

namespace K8sAgentPlatform.Executor.Tests.Support;

/// <summary>The URIs of the GETs the client sends, to see what it asks the API server for.</summary>
public sealed class ListRecorder : DelegatingHandler
{
    public ConcurrentQueue<Uri> Uris { get; } = new();

    /// <summary>The GETs of one kind of collection, e.g. "replicasets".</summary>
    public Uri[] Of(string resource) => [.. Uris.Where(u => u.AbsolutePath.EndsWith("/" + resource, StringComparison.Ordinal))];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Get && request.RequestUri is { } uri)
        {
            Uris.Enqueue(uri);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
