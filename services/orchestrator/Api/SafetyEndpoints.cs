using System.Text.Json;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Orchestrator.Safety;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.WebApi;
using K8sAgentPlatform.WebApi.Auth;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Orchestrator.Api;

/// <summary>What <c>GET /api/status</c> shows.</summary>
public sealed record StatusView(EmergencyStopState EmergencyStop, int HeldRequests);

/// <summary>The emergency stop (admin) and the platform's status.</summary>
internal static class SafetyEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/api/emergency-stop", Stop).RequireRole(ApiRole.Admin).WithTags("Safety")
            .WithName("EmergencyStop").WithSummary("Stop the platform: no operation starts until resumed; compensating rollbacks still run").Produces<StatusView>();
        api.MapPost("/api/emergency-stop/resume", Resume).RequireRole(ApiRole.Admin).WithTags("Safety")
            .WithName("ResumeFromEmergencyStop").WithSummary("Lift the emergency stop; held requests go on").Produces<StatusView>();
        api.MapGet("/api/status", Status).RequireRole(ApiRole.Viewer).WithTags("Safety")
            .WithName("Status").WithSummary("Whether the platform is stopped, by whom and why, and how many requests wait for it").Produces<StatusView>();
    }

    private static async Task<IResult> Stop(HttpContext http, [FromServices] EmergencyStop stop, [FromServices] IRequestStore store, [FromServices] IAuditLog audit,
        [FromServices] IPublishEndpoint publish, [FromServices] TimeProvider time, [FromServices] ILoggerFactory logs)
    {
        var (reason, problem) = await RequestBody.ReadReasonAsync(http, Contracts.Intent.Bounds.MaxReason);
        return problem ?? await ChangeAsync(http, stop, store, audit, publish, time, logs, stopped: true, reason);
    }

    private static Task<IResult> Resume(HttpContext http, [FromServices] EmergencyStop stop, [FromServices] IRequestStore store, [FromServices] IAuditLog audit,
        [FromServices] IPublishEndpoint publish, [FromServices] TimeProvider time, [FromServices] ILoggerFactory logs) =>
        ChangeAsync(http, stop, store, audit, publish, time, logs, stopped: false, reason: null);

    private static async Task<IResult> ChangeAsync(HttpContext http, EmergencyStop stop, IRequestStore store, IAuditLog audit, IPublishEndpoint publish,
        TimeProvider time, ILoggerFactory logs, bool stopped, string? reason)
    {
        var principal = ApiPrincipal.From(http);
        var now = time.GetUtcNow();
        if (stop.Set(stopped, principal.Name, reason, now))
        {
            await audit.AppendAsync(new AuditRecord(stopped ? "emergency-stop" : "emergency-stop-lifted", principal.Name, null,
                stopped ? $"the platform is stopped: {reason ?? "no reason given"}" : "the platform runs again", stopped ? "stopped" : "running"), http.RequestAborted);
            await publish.Publish(new EmergencyStopChanged { Stopped = stopped, By = principal.Name, Reason = reason, At = now }, http.RequestAborted);
            logs.CreateLogger(typeof(SafetyEndpoints)).LogWarning("Emergency stop {Position} by {Principal}: {Reason}", stopped ? "set" : "lifted", principal.Name, reason);
        }

        var held = await HeldAsync(store, http.RequestAborted);
        if (!stopped)
        {
            foreach (var request in held)
            {
                await publish.Publish(new ResumeRequest { RequestId = request.CorrelationId, Principal = principal.Name }, http.RequestAborted);
            }
        }

        return TypedResults.Ok(new StatusView(stop.State, stopped ? held.Count : 0));
    }

    private static async Task<IResult> Status([FromServices] EmergencyStop stop, [FromServices] IRequestStore store, HttpContext http) =>
        TypedResults.Ok(new StatusView(stop.State, (await HeldAsync(store, http.RequestAborted)).Count));

    private static async Task<IReadOnlyList<StateMachines.RequestState>> HeldAsync(IRequestStore store, CancellationToken cancellationToken)
    {
        var held = new List<StateMachines.RequestState>();
        foreach (var state in new[] { RequestStates.Validating, RequestStates.AwaitingConfirmation, RequestStates.Executing })
        {
            held.AddRange((await store.QueryAsync(new RequestQuery(State: state, Limit: 1000), cancellationToken)).Where(r => r.Held));
        }

        return held;
    }
}
