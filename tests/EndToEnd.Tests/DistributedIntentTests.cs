using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.TestSupport;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

[assembly: AssemblyFixture(typeof(K8sAgentPlatform.EndToEnd.Tests.Broker))]

namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>The intent service as its own process on RabbitMQ, driven by a separate MassTransit client.</summary>
public sealed class DistributedIntentTests(Broker broker)
{
    [Fact]
    public async Task The_intent_service_process_answers_a_request_over_RabbitMQ()
    {
        var url = broker.Require();
        var queue = $"e2e-intent-{Guid.NewGuid():N}";
        await using var intent = await ServiceProcess.StartAsync("intent", "K8sAgentPlatform.Intent.dll", new Dictionary<string, string>
        {
            ["Bus__Transport"] = "rabbitmq",
            ["Bus__RabbitMqUrl"] = url,
        });

        var parsed = new TaskCompletionSource<IntentParsed>(TaskCreationOptions.RunContinuationsAsynchronously);
        var services = new ServiceCollection().AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(new Uri(url));
                cfg.ReceiveEndpoint(queue, e =>
                {
                    e.AutoDelete = true;
                    e.Handler<IntentParsed>(c =>
                    {
                        parsed.TrySetResult(c.Message);
                        return Task.CompletedTask;
                    });
                });
            });
        });
        await using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        await bus.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var id = Guid.NewGuid();
            await bus.Publish(new RequestSubmitted { RequestId = id, Text = "kubectl scale deployment/api --replicas=3 -n dev", Principal = "e2e" });

            var result = await parsed.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

            result.RequestId.ShouldBe(id);
            result.Parser.ShouldBe("offline");
            result.Intent.Operations.ShouldHaveSingleItem().ResourceName.ShouldBe("api");
            intent.HasExited.ShouldBeFalse();
        }
        finally
        {
            await bus.StopAsync(CancellationToken.None);
        }
    }
}
