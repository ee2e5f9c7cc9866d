using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Consumers;
using K8sAgentPlatform.Policy.Kubernetes;
using K8sAgentPlatform.Policy.Policies;
using K8sAgentPlatform.Policy.Rules;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using static K8sAgentPlatform.Policy.Tests.Intents;

namespace K8sAgentPlatform.Policy.Tests;

public sealed class ValidateOperationsConsumerTests
{
    private static async Task<(ServiceProvider Provider, ITestHarness Harness)> Start(IClusterReader? cluster = null, PolicySettings? settings = null)
    {
        var services = new ServiceCollection();
        if (cluster is not null)
        {
            services.AddSingleton(cluster);
        }

        services.AddMassTransitTestHarness(x => x.AddPolicyConsumers(o => o.Settings = settings));
        var provider = services.BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        // Generous: the machine is shared, and waits end as soon as the expected messages arrive.
        harness.TestTimeout = TimeSpan.FromSeconds(90);
        harness.TestInactivityTimeout = TimeSpan.FromSeconds(30);
        await harness.Start();
        return (provider, harness);
    }

    private static async Task<OperationValidated[]> Verdicts(ITestHarness harness, Guid requestId, int expected)
    {
        var published = harness.Published.SelectAsync<OperationValidated>(m => m.Context.Message.RequestId == requestId, TestContext.Current.CancellationToken);
        var found = new List<OperationValidated>();
        await foreach (var message in published)
        {
            found.Add(message.Context.Message);
            if (found.Count == expected)
            {
                break;
            }
        }

        return found.OrderBy(m => m.Index).ToArray();
    }

    [Fact]
    public async Task One_OperationValidated_is_published_per_operation()
    {
        var (provider, harness) = await Start();
        await using var _ = provider;
        var requestId = Guid.NewGuid();

        await (await harness.Bus.GetSendEndpoint(Endpoints.Queue(Endpoints.Policy))).Send(new ValidateOperations
        {
            RequestId = requestId,
            Intent = IntentOf(RiskLevel.Low, Scale(3), Scale(3, "kube-system"), Op(OperationType.GetStatus, ns: "prod-web")),
        }, TestContext.Current.CancellationToken);

        (await harness.Consumed.Any<ValidateOperations>(TestContext.Current.CancellationToken)).ShouldBeTrue();
        var verdicts = await Verdicts(harness, requestId, 3);
        verdicts.Select(v => v.Index).ShouldBe([0, 1, 2]);
        verdicts.ShouldAllBe(v => v.Count == 3);
        verdicts[0].Approved.ShouldBeTrue();
        verdicts[1].Approved.ShouldBeFalse();
        verdicts[1].Reasons.ShouldContain(r => r.StartsWith($"[{RuleIds.ProtectedNamespace}]"));
        verdicts[2].Approved.ShouldBeTrue();
        verdicts[2].RequiresConfirmation.ShouldBeFalse();
        verdicts.ShouldAllBe(v => v.ModelRiskLevel == RiskLevel.Low);
    }

    [Fact]
    public async Task Live_checks_run_when_a_cluster_reader_is_registered()
    {
        var (provider, harness) = await Start(FakeCluster.WithWeb());
        await using var _ = provider;
        var requestId = Guid.NewGuid();

        await (await harness.Bus.GetSendEndpoint(Endpoints.Queue(Endpoints.Policy))).Send(new ValidateOperations { RequestId = requestId, Intent = IntentOf(Scale(3), Scale(3, name: "gone")) }, TestContext.Current.CancellationToken);

        var verdicts = await Verdicts(harness, requestId, 2);
        verdicts[0].Approved.ShouldBeTrue();
        verdicts[0].ResourceVersion.ShouldBe("42");
        verdicts[0].DryRun.Status.ShouldBe(DryRunStatus.Passed);
        verdicts[1].Reasons.ShouldContain(r => r.StartsWith($"[{RuleIds.LiveExists}]"));
    }

    [Fact]
    public async Task An_intent_the_contract_refuses_is_never_approved()
    {
        var (provider, harness) = await Start();
        await using var _ = provider;
        var requestId = Guid.NewGuid();

        // The contract's converter refuses an intent without operations when the message is read, so
        // the consumer never sees it; whatever happens, no approval may come out.
        await (await harness.Bus.GetSendEndpoint(Endpoints.Queue(Endpoints.Policy))).Send(new ValidateOperations { RequestId = requestId, Intent = IntentOf() }, TestContext.Current.CancellationToken);

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(2));
        var approved = false;
        try
        {
            await foreach (var m in harness.Published.SelectAsync<OperationValidated>(m => m.Context.Message.RequestId == requestId, wait.Token))
            {
                approved |= m.Context.Message.Approved;
            }
        }
        catch (OperationCanceledException)
        {
            // The two seconds are over: nothing more was published.
        }

        approved.ShouldBeFalse();
    }

    [Fact]
    public async Task The_consumer_uses_the_configured_policy()
    {
        var (provider, harness) = await Start(settings: PolicySettings.Default with { MaxReplicas = 2 });
        await using var _ = provider;
        var requestId = Guid.NewGuid();

        await (await harness.Bus.GetSendEndpoint(Endpoints.Queue(Endpoints.Policy))).Send(new ValidateOperations { RequestId = requestId, Intent = IntentOf(Scale(3)) }, TestContext.Current.CancellationToken);

        (await Verdicts(harness, requestId, 1)).Single().Reasons.ShouldContain(r => r.StartsWith($"[{RuleIds.MaxReplicas}]"));
        harness.GetConsumerHarness<ValidateOperationsConsumer>().Consumed.Select<ValidateOperations>(TestContext.Current.CancellationToken).ShouldNotBeEmpty();
    }
}
