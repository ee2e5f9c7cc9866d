using System.Text.Json.Nodes;

namespace K8sAgentPlatform.KubeSandbox.Api;

/// <summary>
/// One injected failure: answers <paramref name="StatusCode"/> (500, 429 or 409) to a share
/// <paramref name="Rate"/> of the requests that match a verb and resource (null matches any).
/// </summary>
public sealed record FaultRule(int StatusCode, double Rate, string? Verb = null, string? Resource = null, int RetryAfterSeconds = 1);

/// <summary>Fault injection for tests: error rates, added latency, and concurrent-edit hooks.</summary>
public sealed class FaultInjector(int seed)
{
    private readonly Lock gate = new();
    private readonly List<FaultRule> rules = [];
    private readonly List<EditHook> hooks = [];
    private Random random = new(seed);
    private long injected;

    /// <summary>Delay added before every API request is answered.</summary>
    public TimeSpan Latency { get; set; }

    public long InjectedCount => Interlocked.Read(ref injected);

    public void Add(FaultRule rule)
    {
        lock (gate)
        {
            rules.Add(rule);
        }
    }

    /// <summary>Removes every rule, hook and latency; restarts the random sequence from <paramref name="newSeed"/>.</summary>
    public void Reset(int newSeed = 0)
    {
        lock (gate)
        {
            rules.Clear();
            hooks.Clear();
            random = new Random(newSeed);
            Latency = TimeSpan.Zero;
            Interlocked.Exchange(ref injected, 0);
        }
    }

    /// <summary>
    /// Someone else edits the object just before the next API write to it is processed, so a
    /// write carrying the resourceVersion the client read last fails with 409 Conflict.
    /// </summary>
    public void EditBeforeNextWrite(ResourceType type, string? ns, string name, Action<JsonObject> edit) =>
        AddHook(new EditHook(type, ns, name, edit, OnRead: false));

    /// <summary>Someone else edits the object right after the next API read of it has been answered.</summary>
    public void EditAfterNextRead(ResourceType type, string? ns, string name, Action<JsonObject> edit) =>
        AddHook(new EditHook(type, ns, name, edit, OnRead: true));

    internal ApiException? Roll(string verb, ResourceType type, string? name)
    {
        lock (gate)
        {
            foreach (var rule in rules)
            {
                if ((rule.Verb is null || rule.Verb == verb) && (rule.Resource is null || rule.Resource == type.Plural)
                    && random.NextDouble() < rule.Rate)
                {
                    Interlocked.Increment(ref injected);
                    return rule.StatusCode switch
                    {
                        429 => ApiException.TooManyRequests("the server has received too many requests and has asked us to try again later", rule.RetryAfterSeconds),
                        409 => ApiException.Conflict(type, name ?? ""),
                        _ => ApiException.Internal("injected fault"),
                    };
                }
            }
            return null;
        }
    }

    internal Action<JsonObject>? TakeHook(ResourceType type, string? ns, string name, bool onRead)
    {
        lock (gate)
        {
            var hook = hooks.FirstOrDefault(h => h.Type == type && h.Namespace == ns && h.Name == name && h.OnRead == onRead);
            if (hook is null)
            {
                return null;
            }
            hooks.Remove(hook);
            return hook.Edit;
        }
    }

    private void AddHook(EditHook hook)
    {
        lock (gate)
        {
            hooks.Add(hook);
        }
    }

    private sealed record EditHook(ResourceType Type, string? Namespace, string Name, Action<JsonObject> Edit, bool OnRead);
}
