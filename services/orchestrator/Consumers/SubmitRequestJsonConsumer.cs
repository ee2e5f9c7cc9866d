using System.Text.Json;
using System.Text.Json.Serialization;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Orchestrator.Consumers;

/// <summary>
/// The body of a message on <see cref="Endpoints.SubmitRequestJson"/>, as sent: every property is kept as JSON
/// and read by <see cref="SubmitRequestJsonConsumer"/>, because a body bound straight to SubmitRequest would take
/// <c>{}</c> as a request with an empty id and no text, and would drop misspelt fields without a word.
/// </summary>
public sealed class SubmitRequestJsonBody
{
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Fields { get; set; }
}

/// <summary>
/// Plain JSON from a publisher that is not MassTransit (a script, another language, rabbitmqadmin): checked here
/// field by field, then forwarded to the request saga as a SubmitRequest. The requester is the broker user RabbitMQ
/// validated (the message's <c>user_id</c> property, which the broker refuses unless it names the connection's own
/// user); the body's <c>principal</c> is only who the publisher asks for (<see cref="SubmitRequest.OnBehalfOf"/>).
/// A message without <c>user_id</c>, or a body that is not a valid request, is logged with the reason and dropped,
/// and starts nothing; a body that is not JSON at all fails deserialization and lands in the
/// <c>submit-request-json_error</c> queue.
/// </summary>
public sealed class SubmitRequestJsonConsumer(TimeProvider time, ILogger<SubmitRequestJsonConsumer> logger) : IConsumer<SubmitRequestJsonBody>
{
    public const int MaxPrincipal = 256;

    /// <summary>The SubmitRequest properties, camelCase as MassTransit writes them; read without regard to case.</summary>
    private static readonly string[] Known = ["requestId", "text", "intent", "dryRun", "principal", "source", "submittedAt"];

    public async Task Consume(ConsumeContext<SubmitRequestJsonBody> context)
    {
        var publisher = BrokerUser(context);
        if (string.IsNullOrEmpty(publisher))
        {
            logger.LogWarning("Rejected a message on {Endpoint} (message id {MessageId}): it has no user_id property; set user_id to your broker user name "
                + "(RabbitMQ checks it), no request was created", Endpoints.SubmitRequestJson, context.MessageId);
            return;
        }

        var (request, errors) = Read(context.Message.Fields ?? [], publisher, time.GetUtcNow());
        if (request is null)
        {
            logger.LogWarning("Rejected a message on {Endpoint} from broker user {Publisher} (message id {MessageId}): {Reasons}; no request was created",
                Endpoints.SubmitRequestJson, publisher, context.MessageId, string.Join("; ", errors));
            return;
        }

        logger.LogInformation("Request {RequestId} submitted as JSON on {Endpoint} by broker user {Principal} on behalf of {OnBehalfOf}",
            request.RequestId, Endpoints.SubmitRequestJson, request.Principal, request.OnBehalfOf ?? request.Principal);
        await context.Publish(request, context.CancellationToken);
    }

    /// <summary>
    /// The broker user that published the message, as RabbitMQ validated it: the AMQP <c>user_id</c> property, which the
    /// broker only lets through when it equals the publishing connection's user. Null on any other transport (the
    /// in-memory bus of <c>serve</c> has no broker to vouch for anyone) and when the publisher did not set it.
    /// </summary>
    public static string? BrokerUser(ConsumeContext context) =>
        context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var amqp) ? amqp.Properties.UserId : null;

    /// <summary>
    /// Names only the platform itself acts under: the saga's <c>system</c> and the remediation rules'
    /// <c>alertmanager:&lt;rule&gt;</c>. A publisher may not ask in them.
    /// </summary>
    public static bool IsPlatformName(string name) =>
        string.Equals(name, "system", StringComparison.OrdinalIgnoreCase) || name.StartsWith("alertmanager:", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The request the body describes, published by broker user <paramref name="publisher"/>, or null and every reason
    /// it does not describe one.
    /// </summary>
    public static (SubmitRequest? Request, IReadOnlyList<string> Errors) Read(IReadOnlyDictionary<string, JsonElement> body, string publisher, DateTimeOffset now)
    {
        var errors = new List<string>();
        if (IsPlatformName(publisher))
        {
            errors.Add($"broker user '{publisher}' has the name of the platform itself; publish as a user of your own");
        }

        var fields = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in body)
        {
            if (!Known.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"unknown property '{name}' (expected: {string.Join(", ", Known)})");
            }
            else if (!fields.TryAdd(name, value))
            {
                errors.Add($"property '{name}' appears twice");
            }
        }

        var requestId = Guid.Empty;
        if (!fields.TryGetValue("requestId", out var id) || id.ValueKind != JsonValueKind.String || !Guid.TryParse(id.GetString(), out requestId) || requestId == Guid.Empty)
        {
            errors.Add("'requestId' must be a non-empty UUID, e.g. \"8d1c3a52-5b1e-4c55-9f6e-2f0a4f8e1b7d\" (it identifies the request and makes a resend harmless)");
        }

        string? principal = null;
        if (!fields.TryGetValue("principal", out var who) || who.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(principal = who.GetString()))
        {
            errors.Add("'principal' must name who asks (a person or the publishing system)");
        }
        else if ((principal = principal!.Trim()).Length > MaxPrincipal)
        {
            errors.Add($"'principal' must be at most {MaxPrincipal} characters");
        }
        else if (IsPlatformName(principal))
        {
            errors.Add($"'principal' may not be '{principal}': 'system' and 'alertmanager:*' are the platform's own names");
        }

        var hasText = fields.TryGetValue("text", out var textElement) && textElement.ValueKind != JsonValueKind.Null;
        var hasIntent = fields.TryGetValue("intent", out var intentElement) && intentElement.ValueKind != JsonValueKind.Null;
        string? text = null;
        KubernetesIntent? intent = null;
        if (hasText == hasIntent)
        {
            errors.Add("send exactly one of 'text' (plain language) and 'intent' (the intent's JSON form)");
        }
        else if (hasText)
        {
            if (textElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(textElement.GetString()))
            {
                errors.Add("'text' must be a non-empty string");
            }
            else if ((text = textElement.GetString()!.Trim()).Length > Bounds.MaxOriginalRequest)
            {
                errors.Add($"'text' must be at most {Bounds.MaxOriginalRequest} characters (it has {text.Length})");
            }
        }
        else if (IntentJson.TryRead(intentElement, out var read, out var intentErrors))
        {
            intent = read;
        }
        else
        {
            errors.AddRange(intentErrors.Select(e => $"'intent{(e.Path.Length == 0 ? "" : "." + e.Path)}' {e.Message}"));
        }

        var dryRun = false;
        if (fields.TryGetValue("dryRun", out var dry) && dry.ValueKind != JsonValueKind.Null)
        {
            if (dry.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                dryRun = dry.GetBoolean();
            }
            else
            {
                errors.Add("'dryRun' must be true or false");
            }
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new SubmitRequest
        {
            RequestId = requestId,
            Text = text,
            Intent = intent,
            DryRun = dryRun,
            Principal = publisher,
            // Asking for itself is no "on behalf of".
            OnBehalfOf = string.Equals(principal, publisher, StringComparison.Ordinal) ? null : principal,
            // Whatever the body claims, it came over the bus; the time is when the platform took it.
            Source = "bus",
            SubmittedAt = now,
        }, []);
    }
}

/// <summary>
/// The endpoint: its own queue and exchange named <see cref="Endpoints.SubmitRequestJson"/>, bound to no message
/// type (only what is published to it arrives), and plain JSON bodies of any message type accepted.
/// </summary>
public sealed class SubmitRequestJsonConsumerDefinition : ConsumerDefinition<SubmitRequestJsonConsumer>
{
    public SubmitRequestJsonConsumerDefinition()
    {
        EndpointName = Endpoints.SubmitRequestJson;
        Endpoint(e => e.ConfigureConsumeTopology = false);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<SubmitRequestJsonConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.ConfigureConsumeTopology = false;
        endpointConfigurator.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: true);
    }
}
