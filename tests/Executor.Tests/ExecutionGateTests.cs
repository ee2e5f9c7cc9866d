using K8sAgentPlatform.Executor.Execution;

namespace K8sAgentPlatform.Executor.Tests;

public sealed class ExecutionGateTests
{
    [Fact]
    public async Task A_second_delivery_of_the_same_operation_waits_for_the_first_and_others_do_not()
    {
        var gate = new ExecutionGate();
        var request = Guid.NewGuid();
        var first = await gate.EnterAsync(request, 0, default);

        var same = gate.EnterAsync(request, 0, default);
        var other = gate.EnterAsync(request, 1, default);

        (await other).Dispose();
        same.IsCompleted.ShouldBeFalse();
        first.Dispose();
        (await same.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
        (await gate.EnterAsync(request, 0, default).WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }
}
