using k8s;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Executor.Execution;
using K8sAgentPlatform.Executor.Tests.Support;
using K8sAgentPlatform.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace K8sAgentPlatform.Executor.Tests;

/// <summary>The executor's registration: one handler per operation type, none left to fall through.</summary>
public sealed class OperationHandlerTests
{
    [Fact]
    public void Every_operation_type_has_exactly_one_registered_handler()
    {
        using var provider = ExecutorProvider();

        var handlers = provider.GetServices<IOperationHandler>().ToArray();

        foreach (var type in Enum.GetValues<OperationType>())
        {
            handlers.Count(h => h.Type == type).ShouldBe(1, $"handlers for {WireNames.Of(type)}");
        }

        handlers.Length.ShouldBe(Enum.GetValues<OperationType>().Length);
        provider.GetRequiredService<OperationExecutor>().ShouldNotBeNull();
    }

    [Fact]
    public void The_executor_cannot_be_built_with_an_operation_type_left_without_a_handler()
    {
        using var provider = ExecutorProvider();
        var handlers = provider.GetServices<IOperationHandler>().Where(h => h.Type != OperationType.DrainNode);

        var error = Should.Throw<InvalidOperationException>(() => new OperationExecutor(handlers, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<OperationExecutor>.Instance));

        error.Message.ShouldContain("drain_node");
    }

    [Fact]
    public void The_executor_cannot_be_built_with_two_handlers_for_one_operation_type()
    {
        using var provider = ExecutorProvider();
        var handlers = provider.GetServices<IOperationHandler>().ToList();
        handlers.Add(handlers.First(h => h.Type == OperationType.Scale));

        var error = Should.Throw<InvalidOperationException>(() => new OperationExecutor(handlers, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<OperationExecutor>.Instance));

        error.Message.ShouldContain("scale");
    }

    /// <summary>The executor's registration as a service host makes it; the client is never called.</summary>
    private static ServiceProvider ExecutorProvider() =>
        new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddSingleton<IKubernetes>(new k8s.Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:9" }))
            .AddSingleton<ISnapshotStore>(new InMemorySnapshotStore())
            .AddSingleton<IExecutionRecordStore>(new InMemoryExecutionRecordStore())
            .AddLogging()
            .AddExecutorService()
            .BuildServiceProvider(validateScopes: true);
}
