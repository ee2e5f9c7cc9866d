using System.Diagnostics;
using System.Linq.Expressions;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Hosting;

/// <summary>
/// Opens a log scope with the message's RequestId around every consumer, so each log line a consumer writes
/// carries {RequestId} (the JSON console writes scopes), and tags the consume span with it to find the trace.
/// </summary>
public sealed class RequestLogScope<T>(ILogger<RequestLogScope<T>> logger) : IFilter<ConsumeContext<T>> where T : class
{
    private static readonly Func<T, Guid>? RequestIdOf = Compile();

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        if (RequestIdOf is null)
        {
            await next.Send(context);
            return;
        }

        var requestId = RequestIdOf(context.Message);
        Activity.Current?.SetTag("k8s_agent.request_id", requestId.ToString());
        using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = requestId }))
        {
            await next.Send(context);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("requestLogScope");

    private static Func<T, Guid>? Compile()
    {
        if (typeof(T).GetProperty("RequestId") is not { } property || property.PropertyType != typeof(Guid))
        {
            return null;
        }

        var message = Expression.Parameter(typeof(T));
        return Expression.Lambda<Func<T, Guid>>(Expression.Property(message, property), message).Compile();
    }
}
