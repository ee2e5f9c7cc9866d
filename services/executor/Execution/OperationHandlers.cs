using K8sAgentPlatform.Executor.Execution.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Executor.Execution;

public static class OperationHandlers
{
    /// <summary>
    /// Registers the <see cref="OperationExecutor"/>, the <see cref="ChangeRunner"/> and one handler per operation
    /// type. The Kubernetes change support, the stores, the executor's options and the <see cref="TimeProvider"/>
    /// come from the host.
    /// </summary>
    public static IServiceCollection AddOperationHandlers(this IServiceCollection services)
    {
        services.TryAddSingleton<ChangeRunner>();
        services.TryAddEnumerable(
        [
            ServiceDescriptor.Singleton<IOperationHandler, ScaleHandler>(),
            ServiceDescriptor.Singleton<IOperationHandler, RestartHandler>(),
            ServiceDescriptor.Singleton<IOperationHandler, UpdateImageHandler>(),
            ServiceDescriptor.Singleton<IOperationHandler, UpdateConfigHandler>(),
            ServiceDescriptor.Singleton<IOperationHandler, DeleteHandler>(),
            ServiceDescriptor.Singleton<IOperationHandler, GetStatusHandler>(),
            ServiceDescriptor.Singleton<IOperationHandler, GetLogsHandler>(),
            ServiceDescriptor.Singleton<IOperationHandler, ApplyManifestHandler>(),
            ServiceDescriptor.Singleton<IOperationHandler, RollbackHandler>(),
            ServiceDescriptor.Singleton<IOperationHandler, CordonNodeHandler>(),
            ServiceDescriptor.Singleton<IOperationHandler, UncordonNodeHandler>(),
            ServiceDescriptor.Singleton<IOperationHandler, DrainNodeHandler>(),
        ]);
        services.TryAddSingleton(sp => new OperationExecutor(
            sp.GetServices<IOperationHandler>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<OperationExecutor>>()));
        return services;
    }
}
