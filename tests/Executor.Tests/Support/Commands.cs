using K8sAgentPlatform.Contracts;
using MassTransit;

namespace K8sAgentPlatform.Executor.Tests.Support;

/// <summary>Commands sent to the queue that owns them, as the saga sends them (publishing one reaches no one).</summary>
internal static class Commands
{
    public static async Task SendCommand(this IBus bus, ExecuteOperation command, CancellationToken cancellationToken = default) =>
        await (await bus.GetSendEndpoint(Endpoints.Queue(Endpoints.Executor))).Send(command, cancellationToken);

    public static async Task SendCommand(this IBus bus, RollbackRequested command, CancellationToken cancellationToken = default) =>
        await (await bus.GetSendEndpoint(Endpoints.Queue(Endpoints.Rollback))).Send(command, cancellationToken);
}
