using System.Net.Http.Json;
using System.Text.Json;

namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// The bus topology the five processes declare on RabbitMQ, read from the management API: the saga is the only
/// conductor (events reach it alone), and a service's command queue takes nothing but the commands sent to it.
/// </summary>
public sealed class TopologyTests(SharedPlatform shared) : IClassFixture<SharedPlatform>
{
    private const string MessageExchangePrefix = "K8sAgentPlatform.Contracts:";

    [Fact]
    public async Task Only_the_sagas_queue_receives_IntentParsed_and_the_verdicts()
    {
        var bindings = await BindingsAsync();

        QueuesReachedFrom(bindings, MessageExchangePrefix + "IntentParsed").ShouldBe(["request-state"]);
        QueuesReachedFrom(bindings, MessageExchangePrefix + "OperationValidated").ShouldBe(["request-state"]);
        QueuesReachedFrom(bindings, MessageExchangePrefix + "OperationExecuted").ShouldBe(["request-state"]);
    }

    [Theory]
    [InlineData("policy")]
    [InlineData("executor")]
    [InlineData("rollback")]
    public async Task A_services_command_queue_is_bound_to_nothing_but_its_own_exchange_which_no_message_type_feeds(string queue)
    {
        var bindings = await BindingsAsync();

        var sources = bindings.Where(b => b.Destination == queue && b.Source.Length > 0).Select(b => b.Source).ToList();
        sources.ShouldBe([queue], $"the {queue} queue is bound from: {string.Join(", ", sources)}");
        var feeding = bindings.Where(b => b.Destination == queue && b.DestinationType == "exchange").Select(b => b.Source).ToList();
        feeding.ShouldBeEmpty($"message exchanges would deliver published messages to the {queue} queue: {string.Join(", ", feeding)}");
        foreach (var command in new[] { "ValidateOperations", "RevalidateOperation", "ExecuteOperation", "RollbackRequested" })
        {
            QueuesReachedFrom(bindings, MessageExchangePrefix + command).ShouldBeEmpty($"publishing {command} must reach no queue: commands are sent");
        }
    }

    private async Task<IReadOnlyList<Binding>> BindingsAsync()
    {
        var platform = shared.Platform;
        using var http = platform.Broker.Management();
        var json = await http.GetFromJsonAsync<JsonElement>($"api/bindings/{Uri.EscapeDataString(platform.VirtualHost)}", TestContext.Current.CancellationToken);
        return json.EnumerateArray().Select(b => new Binding(
            b.GetProperty("source").GetString()!, b.GetProperty("destination").GetString()!, b.GetProperty("destination_type").GetString()!)).ToList();
    }

    /// <summary>Every queue a message published to <paramref name="exchange"/> ends in, following exchange-to-exchange bindings.</summary>
    private static List<string> QueuesReachedFrom(IReadOnlyList<Binding> bindings, string exchange)
    {
        var queues = new SortedSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var next = new Queue<string>([exchange]);
        while (next.TryDequeue(out var source))
        {
            if (!seen.Add(source))
            {
                continue;
            }

            foreach (var binding in bindings.Where(b => b.Source == source))
            {
                if (binding.DestinationType == "queue")
                {
                    queues.Add(binding.Destination);
                }
                else
                {
                    next.Enqueue(binding.Destination);
                }
            }
        }

        return [.. queues];
    }

    private sealed record Binding(string Source, string Destination, string DestinationType);
}
