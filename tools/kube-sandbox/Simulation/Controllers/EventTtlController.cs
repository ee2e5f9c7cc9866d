using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation.Controllers;

/// <summary>Events live an hour, as with the API server's default --event-ttl.</summary>
internal sealed class EventTtlController(ControllerContext context) : Controller(context)
{
    private static readonly TimeSpan EventTtl = TimeSpan.FromHours(1);
    private DateTimeOffset lastEventSweep = DateTimeOffset.MinValue;

    public override ResourceType Kind => ResourceTypes.Events;

    public override void UpdateStatus()
    {
        var now = Now;
        if (now - lastEventSweep < TimeSpan.FromMinutes(1))
        {
            return;
        }
        lastEventSweep = now;
        foreach (var e in All(ResourceTypes.Events).Where(e => now - (e.Time("lastTimestamp") ?? now) > EventTtl))
        {
            Store.Delete(ResourceTypes.Events, e.Namespace(), e.Name());
        }
    }
}
