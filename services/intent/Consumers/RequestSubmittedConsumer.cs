using System.Diagnostics;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Intent.Parsing;
using K8sAgentPlatform.Parsing;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Intent.Consumers;

/// <summary>
/// Turns a submitted request into an intent: a given intent is passed on as "provided" (it was checked when
/// it was read); text goes through the configured parser. Either way the outcome is an event, never an
/// exception: a request the platform cannot understand is a business outcome.
/// </summary>
public sealed class RequestSubmittedConsumer(
    IIntentParser parser,
    IClusterContextSource contextSource,
    TimeProvider time,
    PlatformMetrics metrics,
    ILogger<RequestSubmittedConsumer> logger) : IConsumer<RequestSubmitted>
{
    public const string ProvidedParser = "provided";

    public async Task Consume(ConsumeContext<RequestSubmitted> context)
    {
        var request = context.Message;
        if (request.Intent is { } given)
        {
            await context.Publish(new IntentParsed { RequestId = request.RequestId, Intent = given, Parser = ProvidedParser, ParsedAt = time.GetUtcNow() });
            return;
        }

        if (string.IsNullOrWhiteSpace(request.Text))
        {
            await context.Publish(new IntentParsingFailed
            {
                RequestId = request.RequestId,
                Kind = "not_understood",
                Reason = "the request has neither text nor an intent",
            });
            return;
        }

        var clusterContext = await contextSource.GetAsync(context.CancellationToken);
        IntentParseResult result;
        using (var activity = PlatformTelemetry.Source.StartActivity("intent classify"))
        {
            var started = Stopwatch.GetTimestamp();
            result = await parser.ParseAsync(request.Text, clusterContext, context.CancellationToken);
            var outcome = result is IntentParseFailed f ? f.Code : "parsed";
            metrics.IntentClassified(result.Parser, outcome, Stopwatch.GetElapsedTime(started));
            activity?.SetTag("k8s_agent.parser", result.Parser);
            activity?.SetTag("k8s_agent.outcome", outcome);
            if (result is IntentParseSucceeded parsed)
            {
                activity?.SetTag("k8s_agent.operation_count", parsed.Intent.Operations.Count);
            }
        }

        switch (result)
        {
            case IntentParseSucceeded ok:
                logger.LogInformation("Request {RequestId} parsed by {Parser}: {Count} operation(s), model risk {Risk}",
                    request.RequestId, ok.Parser, ok.Intent.Operations.Count, ok.Intent.EstimatedRiskLevel);
                await context.Publish(new IntentParsed { RequestId = request.RequestId, Intent = ok.Intent, Parser = ok.Parser, ParsedAt = time.GetUtcNow() });
                break;
            case IntentParseFailed failed:
                logger.LogInformation("Request {RequestId} not parsed by {Parser}: {Kind}", request.RequestId, failed.Parser, failed.Code);
                await context.Publish(new IntentParsingFailed
                {
                    RequestId = request.RequestId,
                    Kind = failed.Code,
                    Reason = failed.Message,
                    Errors = failed.Details,
                    Parser = failed.Parser,
                });
                break;
        }
    }
}
