using System.Collections.Concurrent;

namespace K8sAgentPlatform.Orchestrator.Api;

/// <summary>
/// Requests this API accepted in the last minutes. A request exists once its SubmitRequest is published, but
/// its saga instance appears only when the orchestrator has consumed it; until then GET answers "Submitted"
/// from here instead of a 404 for the Location just handed out.
/// </summary>
public sealed class AcceptedRequests(TimeProvider time)
{
    private const int Capacity = 10_000;
    private static readonly TimeSpan Keep = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<Guid, RequestView> accepted = new();

    internal void Add(RequestView view)
    {
        if (accepted.Count >= Capacity)
        {
            var cutoff = time.GetUtcNow() - Keep;
            foreach (var old in accepted.Where(a => a.Value.SubmittedAt < cutoff).ToList())
            {
                accepted.TryRemove(old);
            }

            foreach (var oldest in accepted.OrderBy(a => a.Value.SubmittedAt).Take(Math.Max(0, accepted.Count - Capacity + 1)).ToList())
            {
                accepted.TryRemove(oldest);
            }
        }

        accepted[view.Id] = view;
    }

    internal RequestView? Find(Guid id) =>
        accepted.TryGetValue(id, out var view) && time.GetUtcNow() - view.SubmittedAt <= Keep ? view : null;
}
