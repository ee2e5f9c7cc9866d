namespace K8sAgentPlatform.KubeSandbox.Api;

/// <summary>One write request the API answered: what it targeted and the status it got.</summary>
public sealed record ApiWrite(string Verb, string Resource, string? Namespace, string? Name, string? Subresource, bool DryRun, int StatusCode, DateTimeOffset At)
{
    /// <summary>A write that went through (2xx) and was not a dry run: it may have changed the object.</summary>
    public bool Applied => !DryRun && StatusCode is >= 200 and < 300;
}

/// <summary>
/// The write requests (create, update, patch, delete) the sandbox answered, newest last, so a test can tell how
/// many times a change reached the cluster. Bounded: only the latest <see cref="Capacity"/> are kept.
/// </summary>
public sealed class WriteLog(TimeProvider time)
{
    public const int Capacity = 10_000;

    private readonly Lock gate = new();
    private readonly Queue<ApiWrite> writes = new();

    public IReadOnlyList<ApiWrite> All
    {
        get
        {
            lock (gate)
            {
                return writes.ToArray();
            }
        }
    }

    /// <summary>The writes to one object (its subresources included); <paramref name="resource"/> is the plural, e.g. "deployments".</summary>
    public IReadOnlyList<ApiWrite> To(string resource, string? @namespace, string name) =>
        All.Where(w => w.Resource == resource && w.Namespace == @namespace && w.Name == name).ToArray();

    internal void Add(string verb, string resource, string? @namespace, string? name, string? subresource, bool dryRun, int statusCode)
    {
        lock (gate)
        {
            writes.Enqueue(new ApiWrite(verb, resource, @namespace, name, subresource, dryRun, statusCode, time.GetUtcNow()));
            if (writes.Count > Capacity)
            {
                writes.Dequeue();
            }
        }
    }
}
