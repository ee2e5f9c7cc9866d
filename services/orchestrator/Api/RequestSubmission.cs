using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Orchestrator.Api;

/// <summary>
/// The one way the orchestrator's HTTP API submits a request: publish SubmitRequest and remember it as
/// accepted, so GET answers "Submitted" until the saga exists.
/// </summary>
internal static class RequestSubmission
{
    public static async Task<RequestView> SubmitAsync(IPublishEndpoint publish, AcceptedRequests accepted, TimeProvider time, ILogger logger,
        Guid id, string? text, KubernetesIntent? intent, bool dryRun, string principal, string source, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await publish.Publish(new SubmitRequest
        {
            RequestId = id,
            Text = text,
            Intent = intent,
            DryRun = dryRun,
            Principal = principal,
            Source = source,
            SubmittedAt = now,
        }, cancellationToken);
        var redactor = SecretRedactor.For(intent);
        var view = new RequestView
        {
            Id = id,
            State = RequestEndpoints.Submitted,
            Final = false,
            Principal = principal,
            Source = source,
            Text = redactor.Redact(text),
            DryRun = dryRun,
            SubmittedAt = now,
            UpdatedAt = now,
            Intent = intent is null ? null : redactor.Redact(intent),
        };
        accepted.Add(view);
        logger.LogInformation("Request {RequestId} submitted by {Principal} from {Source} ({Form}, dry run {DryRun})",
            id, principal, source, intent is null ? "text" : "intent", dryRun);
        return view;
    }
}
