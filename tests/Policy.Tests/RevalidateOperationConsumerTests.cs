using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using static K8sAgentPlatform.Policy.Tests.Intents;

namespace K8sAgentPlatform.Policy.Tests;

public sealed class RevalidateOperationConsumerTests
{
    [Theory]
    [InlineData("staging", 3, true)]
    [InlineData("kube-system", 3, false)]
    [InlineData("staging", 80, false)]
    public async Task The_check_before_execution_answers_for_that_operation_only(string ns, int replicas, bool approved)
    {
        await using var provider = new ServiceCollection()
            .AddMassTransitTestHarness(x => x.AddPolicyConsumers())
            .BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var id = Guid.NewGuid();

        await (await harness.Bus.GetSendEndpoint(Endpoints.Queue(Endpoints.Policy))).Send(new RevalidateOperation { RequestId = id, Index = 2, Count = 4, Operation = Scale(replicas, ns), ModelRiskLevel = RiskLevel.Low });

        (await harness.Published.Any<OperationValidated>(m => m.Context.Message.RequestId == id)).ShouldBeTrue();
        var verdict = harness.Published.Select<OperationValidated>(m => m.Context.Message.RequestId == id).Single().Context.Message;
        verdict.Index.ShouldBe(2);
        verdict.Count.ShouldBe(4);
        verdict.PreExecution.ShouldBeTrue();
        verdict.Approved.ShouldBe(approved, string.Join("; ", verdict.Reasons));
        await harness.Stop();
    }
}
