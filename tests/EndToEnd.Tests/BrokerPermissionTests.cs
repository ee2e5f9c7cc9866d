using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.TestSupport;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// The broker users of deploy/rabbitmq/permissions.json on the real broker: only the orchestrator's user can write the
/// commands of policy, executor and rollback; any other user (a service or a raw-JSON publisher) that tries is refused by
/// RabbitMQ itself (ACCESS_REFUSED, the channel closed), and nothing reaches the queue.
/// </summary>
public sealed class BrokerPermissionTests(Broker broker) : IAsyncLifetime
{
    private static readonly string[] CommandQueues = [Endpoints.Policy, Endpoints.Executor, Endpoints.Rollback];

    /// <summary>An ExecuteOperation as MassTransit would carry it; the broker refuses it before anyone reads it.</summary>
    private static readonly byte[] ExecuteOperationEnvelope = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
    {
        messageId = Guid.NewGuid(),
        messageType = new[] { "urn:message:K8sAgentPlatform.Contracts:ExecuteOperation" },
        message = new
        {
            requestId = Guid.NewGuid(),
            index = 0,
            operation = new { operationType = "apply_manifest", resourceType = "daemonset", resourceName = "privileged", @namespace = "kube-system" },
        },
    }));

    private DistributedPlatform? platform;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (platform is not null)
        {
            await platform.DisposeAsync();
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_the_intent_services_credentials_an_ExecuteOperation_is_refused_by_the_broker_and_never_reaches_the_executors_queue()
    {
        platform = await DistributedPlatform.StartAsync(broker);
        platform.Kill("executor"); // nothing may consume what reaches the queue: the test reads the queue itself
        var intent = platform.BrokerUrl("intent");

        var toExchange = await PublishAsync(intent, exchange: Endpoints.Executor, routingKey: "");
        var toQueue = await PublishAsync(intent, exchange: "", routingKey: Endpoints.Executor);
        // MassTransit retries the refused declaration of the executor's exchange until the deadline: it never sends.
        await Should.ThrowAsync<OperationCanceledException>(() => SendWithMassTransitAsync(intent, "intent"));

        toExchange.ShouldNotBeNull("the broker took an ExecuteOperation from the intent service's user").ReplyCode.ShouldBe((ushort)403);
        toExchange.ReplyText.ShouldContain($"access to exchange '{Endpoints.Executor}'");
        toQueue.ShouldNotBeNull("the broker took an ExecuteOperation on the default exchange from the intent service's user").ReplyCode.ShouldBe((ushort)403);
        (await MessagesInAsync(Endpoints.Executor)).ShouldBe(0);

        // The same publish as the orchestrator's user arrives: the check above would have seen a message.
        (await PublishAsync(platform.BrokerUrl("orchestrator"), exchange: Endpoints.Executor, routingKey: "")).ShouldBeNull();
        (await MessagesInAsync(Endpoints.Executor)).ShouldBe(1);
    }

    [Fact]
    public async Task No_user_but_the_orchestrators_can_write_another_services_commands_or_the_confirmations()
    {
        platform = await DistributedPlatform.StartAsync(broker);
        foreach (var service in CommandQueues)
        {
            platform.Kill(service);
        }

        var refusals = new List<string>();
        var accepted = new List<string>();
        foreach (var role in BrokerPermissions.Roles.Select(r => r.Role).Where(r => r != "orchestrator"))
        {
            var url = platform.BrokerUrl(role);
            // A worker binds its own queue to its own exchange (that needs write on the name), so it is not asked about its own.
            var targets = CommandQueues.Where(q => q != role).Select(q => (Exchange: q, RoutingKey: ""))
                .Concat(CommandQueues.Select(q => (Exchange: "", RoutingKey: q)))
                .Append(("K8sAgentPlatform.Contracts:ConfirmRequest", ""));
            foreach (var (exchange, routingKey) in targets)
            {
                var closed = await PublishAsync(url, exchange, routingKey);
                (closed?.ReplyCode == 403 ? refusals : accepted).Add($"{role} -> '{exchange}' '{routingKey}'");
            }
        }

        accepted.ShouldBeEmpty();
        refusals.ShouldNotBeEmpty();
        foreach (var queue in CommandQueues)
        {
            (await MessagesInAsync(queue)).ShouldBe(0, queue);
        }
    }

    /// <summary>Publishes the envelope with publisher confirms; returns why the broker closed the channel, or null when it took it.</summary>
    private static async Task<ShutdownEventArgs?> PublishAsync(string url, string exchange, string routingKey)
    {
        var factory = new ConnectionFactory { Uri = new Uri(url) };
        await using var connection = await factory.CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), Ct);
        try
        {
            await channel.BasicPublishAsync(exchange, routingKey, mandatory: false,
                new BasicProperties { ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent }, ExecuteOperationEnvelope, Ct);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException
            or RabbitMQ.Client.Exceptions.PublishException)
        {
            // the broker closed the channel; its reason is read below
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (channel.IsOpen && channel.CloseReason is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }

        return channel.CloseReason;
    }

    /// <summary>
    /// A MassTransit bus with <paramref name="service"/>'s credentials (it starts, as that service's does) sending an
    /// ExecuteOperation to the executor's queue, as the saga does.
    /// </summary>
    private static async Task SendWithMassTransitAsync(string url, string service)
    {
        var services = new ServiceCollection().AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            x.UsingRabbitMq((_, cfg) =>
            {
                cfg.Host(new Uri(url));
                cfg.OverrideDefaultBusEndpointQueueName($"{Hosting.PlatformBus.BusQueuePrefix(service)}{Guid.NewGuid():N}");
            });
        });
        await using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await bus.StartAsync(timeout.Token);
        try
        {
            var endpoint = await bus.GetSendEndpoint(Endpoints.Queue(Endpoints.Executor));
            await endpoint.Send<ExecuteOperation>(new { RequestId = Guid.NewGuid(), Index = 0 }, timeout.Token);
        }
        finally
        {
            await bus.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>How many messages wait in a queue, counted by taking them with the management API (as the broker's admin) and putting them back.</summary>
    private async Task<int> MessagesInAsync(string queue)
    {
        using var http = broker.Management();
        var response = await http.PostAsJsonAsync($"api/queues/{Uri.EscapeDataString(platform!.VirtualHost)}/{queue}/get",
            new { count = 100, ackmode = "ack_requeue_true", encoding = "auto" }, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement[]>(Ct))!.Length;
    }
}
