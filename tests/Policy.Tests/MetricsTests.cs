using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Policy.Rules;
using K8sAgentPlatform.Tests.Shared;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using static K8sAgentPlatform.Policy.Tests.Intents;

namespace K8sAgentPlatform.Policy.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task Each_blocked_operation_counts_under_the_rule_that_blocked_it_and_the_intent_counts_under_its_risk_level()
    {
        await using var provider = new ServiceCollection()
            .AddMassTransitTestHarness(x => x.AddPolicyConsumers())
            .BuildServiceProvider(true);
        using var metrics = new MetricsListener(provider.GetRequiredService<PlatformMetrics>());
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var requestId = Guid.NewGuid();

        await (await harness.Bus.GetSendEndpoint(Endpoints.Queue(Endpoints.Policy))).Send(new ValidateOperations
        {
            RequestId = requestId,
            Intent = IntentOf(RiskLevel.Low, Scale(3), Scale(3, "kube-system"), Scale(80)),
        }, TestContext.Current.CancellationToken);
        var verdicts = new List<OperationValidated>();
        await foreach (var m in harness.Published.SelectAsync<OperationValidated>(m => m.Context.Message.RequestId == requestId, TestContext.Current.CancellationToken))
        {
            verdicts.Add(m.Context.Message);
            if (verdicts.Count == 3)
            {
                break;
            }
        }

        metrics.Sum(PlatformMetrics.OperationsBlockedTotal, ("operation_type", "scale"), ("block_reason", RuleIds.ProtectedNamespace)).ShouldBe(1);
        metrics.Sum(PlatformMetrics.OperationsBlockedTotal, ("operation_type", "scale"), ("block_reason", RuleIds.MaxReplicas)).ShouldBe(1);
        metrics.Of(PlatformMetrics.OperationsBlockedTotal).Sum(r => r.Value).ShouldBe(verdicts.Where(v => !v.Approved).Sum(v => v.Reasons.Select(RuleIds.Of).Distinct().Count()));
        var risk = metrics.Of(PlatformMetrics.RiskLevelTotal).ShouldHaveSingleItem();
        risk.Labels["risk_level"].ShouldBe(WireNames.Of(verdicts.Max(v => v.PolicyRiskLevel)));
    }

    [Theory]
    [InlineData("[scale.max_replicas] 80 replicas is above the limit of 50", "scale.max_replicas")]
    [InlineData("something without a rule id", "policy_violation")]
    [InlineData("[] empty", "policy_violation")]
    public void A_reason_s_rule_id_is_its_block_reason(string reason, string expected) => RuleIds.Of(reason).ShouldBe(expected);
}
