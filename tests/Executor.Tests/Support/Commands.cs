using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.TestSupport;
using MassTransit;

namespace K8sAgentPlatform.Executor.Tests.Support;

/// <summary>Commands sent to the queue that owns them, signed as the saga signs them (publishing one reaches no one).</summary>
internal static class Commands
{
    public static Task SendCommand(this IBus bus, ExecuteOperation command, CancellationToken cancellationToken = default) =>
        bus.SendUnsigned(TestAuthorizationKeys.Signed(command), cancellationToken);

    public static Task SendCommand(this IBus bus, RollbackRequested command, CancellationToken cancellationToken = default) =>
        bus.SendUnsigned(TestAuthorizationKeys.Signed(command), cancellationToken);

    /// <summary>Exactly this command, with whatever authorization it carries (or none): what a forger could send.</summary>
    public static async Task SendUnsigned(this IBus bus, ExecuteOperation command, CancellationToken cancellationToken = default) =>
        await (await bus.GetSendEndpoint(Endpoints.Queue(Endpoints.Executor))).Send(command, cancellationToken);

    public static async Task SendUnsigned(this IBus bus, RollbackRequested command, CancellationToken cancellationToken = default) =>
        await (await bus.GetSendEndpoint(Endpoints.Queue(Endpoints.Rollback))).Send(command, cancellationToken);
}
