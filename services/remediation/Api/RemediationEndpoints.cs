using System.Security.Cryptography;
using System.Text;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Remediation.Alertmanager;
using K8sAgentPlatform.Remediation.Coordination;
using K8sAgentPlatform.Remediation.Rules;
using K8sAgentPlatform.WebApi;
using K8sAgentPlatform.WebApi.Auth;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Remediation.Api;

/// <summary>
/// POST /webhooks/alertmanager (Alertmanager's own bearer token, nothing else), GET /api/remediations (state)
/// and POST /api/remediations/clear (an operator lifts holds and cooldowns).
/// </summary>
internal static class RemediationEndpoints
{
    private const string Source = "alertmanager";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/webhooks/alertmanager", Webhook).WithTags("Remediation")
            .WithName("AlertmanagerWebhook").WithSummary("Alertmanager's webhook (version 4); needs the webhook token, not an API token")
            .Produces<WebhookResult>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404);
        var api = endpoints.MapGroup("/api/remediations").WithTags("Remediation");
        api.MapGet("", State).RequireRole(ApiRole.Viewer)
            .WithName("GetRemediations").WithSummary("Remediations in flight, pending effectiveness checks, holds and the breaker").Produces<RemediationStateView>();
        api.MapPost("/clear", Clear).RequireRole(ApiRole.Approver)
            .WithName("ClearRemediationHolds").WithSummary("Lift holds and cooldowns, for one rule (?rule=NAME) or all").Produces<ClearedView>();
    }

    private static async Task<IResult> Webhook(HttpContext http, [FromServices] IServiceProvider services, [FromServices] IPublishEndpoint publish,
        [FromServices] ILoggerFactory logs)
    {
        if (services.GetService<RemediationCoordinator>() is not { } coordinator)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "Remediation is off",
                "Alert-driven remediation is not configured on this server (Remediation:RulesFile).");
        }

        var token = BearerToken.From(http.Request);
        if (!IsWebhookToken(token, services.GetRequiredService<IOptions<RemediationOptions>>().Value.WebhookTokenSha256))
        {
            // An API token is a valid identity in the wrong place: say so (403) rather than "who are you" (401).
            if (services.GetRequiredService<TokenAuthenticator>().Authenticate(token) is { } principal)
            {
                return await Refusals.Refuse(http, principal.Name, StatusCodes.Status403Forbidden, "an API token is not the Alertmanager webhook token",
                    Problems.Of(StatusCodes.Status403Forbidden, "Not the webhook token",
                        "This endpoint takes only the Alertmanager webhook token (Remediation:WebhookTokenSha256), not an API token."));
            }

            http.Response.Headers.WWWAuthenticate = "Bearer";
            return await Refusals.Refuse(http, "anonymous", StatusCodes.Status401Unauthorized, "no valid webhook token",
                Problems.Of(StatusCodes.Status401Unauthorized, "Authentication required",
                    "Send the Alertmanager webhook token as 'Authorization: Bearer <token>' (http_config.authorization.credentials)."));
        }

        var (body, problem) = await RequestBody.ReadObjectAsync(http);
        if (problem is not null)
        {
            return problem;
        }

        if (AlertmanagerNotification.TryRead(body, out var problems) is not { } notification)
        {
            return Problems.BadRequest(problems.Count == 1 ? $"{problems[0]}." : $"{problems.Count} problems; see 'errors'.",
                problems.Select(p => new FieldError("", p)).ToList());
        }

        var logger = logs.CreateLogger(typeof(RemediationEndpoints));
        var time = services.GetRequiredService<TimeProvider>();
        var decisions = await coordinator.HandleAsync(notification,
            (id, plan, principal, cancellationToken) => SubmitAsync(publish, time, logger, id, plan, principal, cancellationToken),
            http.RequestAborted);
        return TypedResults.Ok(new WebhookResult(decisions));
    }

    private static IResult State([FromServices] IServiceProvider services)
    {
        if (services.GetService<RemediationCoordinator>() is not { } coordinator)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "Remediation is off", "Alert-driven remediation is not configured on this server (Remediation:RulesFile).");
        }

        return TypedResults.Ok(new RemediationStateView(
            coordinator.Rules.Rules.Select(r => r.Name).ToList(),
            coordinator.InFlight.Select(f => new InFlightView(f.RequestId, f.Rule, f.Resource, f.Alert.Fingerprint, f.StartedAt)).ToList(),
            coordinator.PendingChecks.Select(c => new CheckView(c.RequestId, c.Rule, c.Resource, c.Alert.Fingerprint, c.Deadline)).ToList(),
            coordinator.Holds.Select(h => new HoldView(h.Rule, h.Resource, h.Fingerprint)).ToList(),
            coordinator.BreakerOpen,
            coordinator.MaxInFlight,
            coordinator.Outcomes));
    }

    private static async Task<IResult> Clear(HttpContext http, [FromServices] IServiceProvider services)
    {
        if (services.GetService<RemediationCoordinator>() is not { } coordinator)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "Remediation is off", "Alert-driven remediation is not configured on this server (Remediation:RulesFile).");
        }

        var rule = http.Request.Query["rule"].ToString() is { Length: > 0 } name ? name : null;
        if (rule is not null && coordinator.Rules.Rules.All(r => r.Name != rule))
        {
            return Problems.BadRequest($"rule: there is no rule '{rule}'.");
        }

        var cleared = await coordinator.ClearAsync(ApiPrincipal.From(http).Name, rule, http.RequestAborted);
        return TypedResults.Ok(new ClearedView(cleared));
    }

    /// <summary>
    /// Sends the remediation to the orchestrator as any system does: a SubmitRequest on the bus, with the request id
    /// the coordinator reserved, as principal alertmanager:&lt;rule&gt; from source alertmanager.
    /// </summary>
    private static async Task SubmitAsync(IPublishEndpoint publish, TimeProvider time, ILogger logger, Guid id, RemediationPlan plan, string principal,
        CancellationToken cancellationToken)
    {
        await publish.Publish(new SubmitRequest
        {
            RequestId = id,
            Intent = plan.Intent,
            Principal = principal,
            Source = Source,
            SubmittedAt = time.GetUtcNow(),
        }, cancellationToken);
        logger.LogInformation("Request {RequestId} submitted by {Principal} from {Source} for {Resource}", id, principal, Source, plan.Resource);
    }

    private static bool IsWebhookToken(string? token, string? expectedSha256)
    {
        if (string.IsNullOrEmpty(token) || expectedSha256 is not { Length: 64 })
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(token)), Convert.FromHexString(expectedSha256));
    }
}

public sealed record WebhookResult(IReadOnlyList<AlertDecision> Decisions);

public sealed record InFlightView(Guid RequestId, string Rule, string Resource, string Fingerprint, DateTimeOffset StartedAt);

public sealed record CheckView(Guid RequestId, string Rule, string Resource, string Fingerprint, DateTimeOffset Deadline);

public sealed record HoldView(string Rule, string Resource, string Fingerprint);

public sealed record RemediationStateView(IReadOnlyList<string> Rules, IReadOnlyList<InFlightView> InFlight, IReadOnlyList<CheckView> PendingChecks,
    IReadOnlyList<HoldView> Holds, bool BreakerOpen, int MaxInFlight, IReadOnlyDictionary<string, int> Outcomes);

public sealed record ClearedView(int HoldsCleared);
