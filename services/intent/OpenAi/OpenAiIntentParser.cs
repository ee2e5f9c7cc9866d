using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Intent.Parsing;
using K8sAgentPlatform.Parsing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace K8sAgentPlatform.Intent.OpenAi;

/// <summary>Waits before a retry. Tests pass one that records the delay instead of sleeping.</summary>
public delegate Task RetryDelay(TimeSpan delay, CancellationToken cancellationToken);

/// <summary>
/// Parses requests with an OpenAI-compatible chat model under the intent's strict JSON schema. Every way the
/// call can go wrong becomes an <see cref="IntentParseFailed"/> a user can act on; the parser owns its retries
/// (429, 5xx, connection failures, timeouts) so that they follow the injected clock.
/// </summary>
public sealed partial class OpenAiIntentParser(
    IOptions<OpenAiOptions> options,
    TimeProvider timeProvider,
    ILogger<OpenAiIntentParser> logger,
    RetryDelay? retryDelay = null) : IIntentParser
{
    public const string ParserName = "openai";

    private static readonly TimeSpan BaseBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(20);

    // Holding a request longer than this inside one parse helps nobody: better to say when to come back.
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(60);

    private const int MaxServerMessage = 300;

    private readonly OpenAiOptions settings = options.Value;
    private readonly ChatClient? client = CreateClient(options.Value);
    private readonly RetryDelay delay = retryDelay ?? ((wait, token) => Task.Delay(wait, timeProvider, token));

    public string Name => ParserName;

    /// <summary>False when no key or model is configured; every parse then answers NotConfigured.</summary>
    public bool IsConfigured => client is not null;

    public async Task<IntentParseResult> ParseAsync(string text, ClusterContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(context);

        if (client is null)
        {
            return Failed(
                ParseFailureKind.NotConfigured,
                $"The OpenAI parser is not configured: set {OpenAiOptions.Section}:ApiKey (environment variable {OpenAiOptions.Section}__ApiKey)" +
                $" and {OpenAiOptions.Section}:Model. Servers that need no key accept any value. The offline parser works without a model.");
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return Failed(ParseFailureKind.NotUnderstood, "The request is empty: say what should change, e.g. 'scale deployment api to 3 replicas in dev'.");
        }

        if (text.Length > Bounds.MaxOriginalRequest)
        {
            return Failed(
                ParseFailureKind.InvalidIntent,
                $"The request is {text.Length} characters long; at most {Bounds.MaxOriginalRequest} are accepted. Split it into smaller requests.",
                [$"original_request: must be at most {Bounds.MaxOriginalRequest} characters, got {text.Length}"]);
        }

        // GenAI semantic conventions: the model and the outcome, never the prompt (it may carry what the user pasted).
        using var activity = PlatformTelemetry.Source.StartActivity($"chat {settings.Model}", ActivityKind.Client);
        activity?.SetTag("gen_ai.operation.name", "chat");
        activity?.SetTag("gen_ai.system", "openai");
        activity?.SetTag("gen_ai.request.model", settings.Model);
        ChatMessage[] messages = [new SystemChatMessage(IntentPrompt.Build(context)), new UserChatMessage(text)];
        var history = new List<string>();
        var started = timeProvider.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            activity?.SetTag("k8s_agent.attempts", attempt);
            var (completion, failure) = await AttemptAsync(client, messages, cancellationToken).ConfigureAwait(false);
            if (completion is not null)
            {
                var result = Interpret(completion, text, context);
                var outcome = result is IntentParseFailed failed ? failed.Code : "ok";
                activity?.SetTag("gen_ai.response.model", completion.Model);
                activity?.SetTag("gen_ai.response.finish_reasons", completion.FinishReason.ToString());
                activity?.SetTag("gen_ai.usage.input_tokens", completion.Usage?.InputTokenCount);
                activity?.SetTag("gen_ai.usage.output_tokens", completion.Usage?.OutputTokenCount);
                activity?.SetTag("k8s_agent.outcome", outcome);
                LogParsed(logger, settings.Model, attempt, timeProvider.GetElapsedTime(started).TotalMilliseconds, outcome);
                return result;
            }

            history.Add($"attempt {attempt}: {failure!.Summary}");
            var retriesLeft = attempt <= settings.MaxRetries;
            var tooLong = failure.RetryAfter > MaxRetryAfter;
            if (!failure.Retryable || !retriesLeft || tooLong)
            {
                activity?.SetStatus(ActivityStatusCode.Error, failure.Kind.ToString());
                activity?.SetTag("error.type", failure.Kind.ToString());
                LogGaveUp(logger, settings.Model, attempt, failure.Summary, timeProvider.GetElapsedTime(started).TotalMilliseconds);
                return GiveUp(failure, attempt, history);
            }

            var wait = failure.RetryAfter ?? Backoff(attempt);
            LogRetrying(logger, settings.Model, attempt, failure.Summary, wait.TotalMilliseconds);
            await delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(ChatCompletion? Completion, AttemptFailure? Failure)> AttemptAsync(
        ChatClient chat, IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(settings.Timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // A new options object per call: the SDK writes the messages and model into the one it is given.
            var result = await chat.CompleteChatAsync(messages, CompletionOptions(), linked.Token).ConfigureAwait(false);
            return (result.Value, null);
        }
        catch (ClientResultException e) when (e.Status != 0)
        {
            return (null, Classify(e));
        }
        catch (ClientResultException e)
        {
            return (null, new AttemptFailure(ParseFailureKind.Unavailable, $"connection failed: {e.InnerException?.Message ?? e.Message}", Retryable: true));
        }
        catch (HttpRequestException e)
        {
            return (null, new AttemptFailure(ParseFailureKind.Unavailable, $"connection failed: {e.Message}", Retryable: true));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            return (null, new AttemptFailure(ParseFailureKind.Timeout, $"no answer within {Seconds(settings.Timeout)}", Retryable: true));
        }
        catch (ArgumentOutOfRangeException e)
        {
            // The SDK's enums are closed: a server that sends a finish_reason it does not know lands here.
            return (null, new AttemptFailure(ParseFailureKind.Unavailable, $"the server's answer is not one the OpenAI SDK can read ({e.Message})", Retryable: false));
        }
    }

    private ChatCompletionOptions CompletionOptions() => new()
    {
        Temperature = settings.Temperature,
        MaxOutputTokenCount = settings.MaxOutputTokens,
        ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat(
            IntentSchema.Name, BinaryData.FromString(IntentSchema.Json), jsonSchemaIsStrict: true),
    };

    private IntentParseResult Interpret(ChatCompletion completion, string text, ClusterContext context)
    {
        if (!string.IsNullOrWhiteSpace(completion.Refusal))
        {
            return Failed(
                ParseFailureKind.Refused,
                $"The model refused the request: {completion.Refusal.Trim()} Rephrase it naming the resource, its namespace and the change, or use the offline parser.",
                [completion.Refusal]);
        }

        if (completion.FinishReason == ChatFinishReason.Length)
        {
            return Failed(
                ParseFailureKind.Truncated,
                $"The model's answer was cut off at {settings.MaxOutputTokens} output tokens before the intent was complete. " +
                $"Split the request into smaller requests with fewer operations each, or raise {OpenAiOptions.Section}:MaxOutputTokens.");
        }

        if (completion.FinishReason == ChatFinishReason.ContentFilter)
        {
            return Failed(ParseFailureKind.Refused, "The model server's content filter withheld the answer. Rephrase the request.");
        }

        var json = string.Concat(completion.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
        if (string.IsNullOrWhiteSpace(json))
        {
            return Failed(
                ParseFailureKind.InvalidIntent,
                "The model answered without an intent. Try again, or check that the configured model supports strict JSON schema output.",
                ["the answer had no content"]);
        }

        if (!IntentJson.TryParse(json, out var intent, out var errors))
        {
            return InvalidIntent(errors.Select(e => e.ToString()).ToArray());
        }

        var unknown = UnknownNamespaces(intent!, context);
        if (unknown.Length > 0)
        {
            return InvalidIntent(unknown);
        }

        // The audit trail must hold what the operator typed, not the model's retelling of it.
        return new IntentParseSucceeded(intent! with { OriginalRequest = text }, ParserName);
    }

    private static IntentParseFailed InvalidIntent(string[] errors)
    {
        var more = errors.Length > 1 ? $" (and {errors.Length - 1} more)" : "";
        return Failed(
            ParseFailureKind.InvalidIntent,
            $"The model's intent breaks the intent model's rules, so none of it was accepted: {errors[0]}{more}. " +
            "Rephrase the request within the limits (for example at most 100 replicas, namespaces of this cluster).",
            errors);
    }

    private static string[] UnknownNamespaces(KubernetesIntent intent, ClusterContext context)
    {
        if (context.Namespaces.Count == 0)
        {
            return [];
        }

        return intent.Operations
            .Select((operation, index) => (operation, index))
            .Where(o => o.operation.Namespace is { } ns && !o.operation.ResourceType.IsClusterScoped()
                        && !context.Namespaces.Contains(ns) && !context.ProductionNamespaces.Contains(ns))
            .Select(o => $"operations[{o.index}].namespace: '{o.operation.Namespace}' is not a namespace of this cluster")
            .ToArray();
    }

    private AttemptFailure Classify(ClientResultException e)
    {
        var response = e.GetRawResponse();
        var serverMessage = ServerMessage(response);
        var retryAfter = RetryAfter(response);
        var status = e.Status;
        return status switch
        {
            429 => new AttemptFailure(ParseFailureKind.RateLimited, Describe(status, "rate limited", serverMessage), Retryable: true, retryAfter),
            408 or 500 or 502 or 503 or 504 => new AttemptFailure(ParseFailureKind.Unavailable, Describe(status, "server error", serverMessage), Retryable: true, retryAfter),
            >= 500 => new AttemptFailure(ParseFailureKind.Unavailable, Describe(status, "server error", serverMessage), Retryable: false),
            401 or 403 => new AttemptFailure(ParseFailureKind.NotConfigured, Describe(status, "the API key was rejected", serverMessage), Retryable: false),
            404 => new AttemptFailure(ParseFailureKind.NotConfigured, Describe(status, "model or endpoint not found", serverMessage), Retryable: false),
            _ => new AttemptFailure(ParseFailureKind.NotConfigured, Describe(status, "the request was rejected", serverMessage), Retryable: false),
        };
    }

    private IntentParseFailed GiveUp(AttemptFailure failure, int attempts, IReadOnlyList<string> history)
    {
        var tries = attempts == 1 ? "1 attempt" : $"{attempts} attempts";
        var endpoint = settings.EndpointForDisplay;
        var message = failure.Kind switch
        {
            ParseFailureKind.RateLimited =>
                $"The model server at {endpoint} is rate limiting requests (429) after {tries}. Try again {WhenToRetry(failure.RetryAfter)}.",
            ParseFailureKind.Timeout =>
                $"The model did not answer within {Seconds(settings.Timeout)} ({tries}). Try again later, or raise {OpenAiOptions.Section}:Timeout.",
            ParseFailureKind.NotConfigured =>
                $"The model server at {endpoint} refused the call ({failure.Summary}). Check {OpenAiOptions.Section}:ApiKey, " +
                $"{OpenAiOptions.Section}:Model (\"{settings.Model}\") and {OpenAiOptions.Section}:BaseUrl (the API root, usually ending in /v1).",
            _ =>
                $"The model server at {endpoint} is unavailable ({failure.Summary}) after {tries}. Try again later, or use the offline parser.",
        };
        return Failed(failure.Kind, message, history);
    }

    private string WhenToRetry(TimeSpan? retryAfter)
    {
        if (retryAfter is not { } wait)
        {
            return "in a minute";
        }

        var at = timeProvider.GetUtcNow() + wait;
        return $"in {Seconds(wait)} (after {at.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} UTC)";
    }

    private static TimeSpan Backoff(int attempt)
    {
        var exponential = Math.Min(BaseBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1), MaxBackoff.TotalMilliseconds);
        // Equal jitter: keeps at least half the backoff while spreading clients that failed together.
        return TimeSpan.FromMilliseconds(exponential / 2 + Random.Shared.NextDouble() * exponential / 2);
    }

    private TimeSpan? RetryAfter(PipelineResponse? response)
    {
        if (response is null)
        {
            return null;
        }

        if (response.Headers.TryGetValue("retry-after-ms", out var milliseconds)
            && double.TryParse(milliseconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        if (!response.Headers.TryGetValue("retry-after", out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? TimeSpan.FromTicks(Math.Max(0, (date - timeProvider.GetUtcNow()).Ticks))
            : null;
    }

    private string? ServerMessage(PipelineResponse? response)
    {
        try
        {
            if (response?.Content is not { } content || content.ToMemory().IsEmpty)
            {
                return null;
            }

            using var document = JsonDocument.Parse(content.ToMemory());
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String)
            {
                var text = message.GetString() ?? "";
                // Some proxies echo the credential they rejected; it must not reach users or logs from here.
                if (!string.IsNullOrEmpty(settings.ApiKey))
                {
                    text = text.Replace(settings.ApiKey, "[api key]", StringComparison.Ordinal);
                }

                return text.Length <= MaxServerMessage ? text : text[..MaxServerMessage] + "...";
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not the OpenAI error shape (a proxy's HTML page, say): the status alone has to do.
        }

        return null;
    }

    private static string Describe(int status, string what, string? serverMessage) =>
        serverMessage is null ? $"{status} {what}" : $"{status} {what}: {serverMessage}";

    private static string Seconds(TimeSpan span) =>
        span.TotalSeconds.ToString(span.TotalSeconds < 10 ? "0.#" : "0", CultureInfo.InvariantCulture) + " s";

    private static IntentParseFailed Failed(ParseFailureKind kind, string message, IReadOnlyList<string>? details = null) =>
        new(kind, message, details ?? [], ParserName);

    private static ChatClient? CreateClient(OpenAiOptions options)
    {
        if (!options.IsConfigured)
        {
            return null;
        }

        var clientOptions = new OpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // Only a backstop: the per-attempt timeout on the injected TimeProvider normally fires first.
            NetworkTimeout = options.Timeout + TimeSpan.FromSeconds(5),
        };
        if (!string.IsNullOrWhiteSpace(options.BaseUrl))
        {
            clientOptions.Endpoint = new Uri(options.BaseUrl);
        }

        return new ChatClient(options.Model, new ApiKeyCredential(options.ApiKey!), clientOptions);
    }

    private sealed record AttemptFailure(ParseFailureKind Kind, string Summary, bool Retryable, TimeSpan? RetryAfter = null);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} parsed the request in {Attempts} attempt(s), {ElapsedMs:0} ms: {Outcome}")]
    private static partial void LogParsed(ILogger logger, string model, int attempts, double elapsedMs, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} attempt {Attempt} failed ({Failure}); retrying in {DelayMs:0} ms")]
    private static partial void LogRetrying(ILogger logger, string model, int attempt, string failure, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} gave up after {Attempts} attempt(s), {ElapsedMs:0} ms: {Failure}")]
    private static partial void LogGaveUp(ILogger logger, string model, int attempts, string failure, double elapsedMs);
}
