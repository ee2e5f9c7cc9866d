using System.Text.Json;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.WebApi;
using K8sAgentPlatform.WebApi.Auth;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Persistence;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Orchestrator.Api;

/// <summary>/api/rollbacks, /api/snapshots and /api/audit.</summary>
internal static class OperationsEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/api/rollbacks", Rollback).RequireRole(ApiRole.Operator).AddEndpointFilter<IdempotencyFilter>().WithTags("Rollbacks")
            .WithName("RequestRollback").WithSummary("Restore a snapshot, by id or the latest unrestored one of a resource")
            .Accepts<RollbackBody>("application/json").Produces<RollbackAcceptedView>(StatusCodes.Status202Accepted).ProducesProblem(404).ProducesProblem(409);
        api.MapGet("/api/snapshots", Snapshots).RequireRole(ApiRole.Viewer).WithTags("Snapshots")
            .WithName("ListSnapshots").WithSummary("Snapshots, newest first; a Secret's values are never shown").Produces<IReadOnlyList<SnapshotView>>();
        api.MapGet("/api/audit", Audit).RequireRole(ApiRole.Viewer).WithTags("Audit")
            .WithName("ReadAudit").WithSummary("Audit log entries in order").Produces<IReadOnlyList<AuditEntry>>();
        api.MapGet("/api/audit/verify", Verify).RequireRole(ApiRole.Viewer).WithTags("Audit")
            .WithName("VerifyAudit").WithSummary("Recompute the audit log's hash chain").Produces<AuditVerification>();
    }

    private static async Task<IResult> Rollback(HttpContext http, [FromServices] ISnapshotStore snapshots, [FromServices] ISendEndpointProvider send, [FromServices] ILoggerFactory logs)
    {
        var (body, problem) = await RequestBody.ReadObjectAsync(http);
        if (problem is not null)
        {
            return problem;
        }

        var errors = RequestBody.Unknown(body, "snapshot_id", "resource", "reason");
        string? snapshotId = null;
        ResourceRef? resource = null;
        string? reason = null;
        var hasSnapshot = body.TryGetProperty("snapshot_id", out var snapshotElement) && snapshotElement.ValueKind != JsonValueKind.Null;
        var hasResource = body.TryGetProperty("resource", out var resourceElement) && resourceElement.ValueKind != JsonValueKind.Null;
        if (hasSnapshot == hasResource)
        {
            errors.Add(new FieldError("", "send exactly one of 'snapshot_id' and 'resource' ({resource_type, namespace, name})"));
        }

        if (hasSnapshot)
        {
            snapshotId = snapshotElement.ValueKind == JsonValueKind.String ? snapshotElement.GetString() : null;
            if (snapshotId is null || !System.Text.RegularExpressions.Regex.IsMatch(snapshotId, Bounds.SnapshotIdPattern))
            {
                errors.Add(new FieldError("snapshot_id", "must be a snapshot id (letters, digits, '-' and '_', at most 64)"));
            }
        }

        if (hasResource)
        {
            resource = ReadResource(resourceElement, errors);
        }

        if (body.TryGetProperty("reason", out var reasonElement) && reasonElement.ValueKind != JsonValueKind.Null)
        {
            reason = reasonElement.ValueKind == JsonValueKind.String ? reasonElement.GetString()!.Trim() : null;
            if (reason is null || reason.Length > Bounds.MaxReason)
            {
                errors.Add(new FieldError("reason", $"must be a string of at most {Bounds.MaxReason} characters"));
            }
        }

        if (errors.Count > 0)
        {
            return Problems.BadRequest(errors.Count == 1 ? RequestEndpoints.Describe(errors[0]) + "." : $"{errors.Count} problems; see 'errors'.", errors);
        }

        if (snapshotId is not null)
        {
            var snapshot = await snapshots.GetAsync(snapshotId, http.RequestAborted);
            if (snapshot is null)
            {
                return Problems.NotFound($"Snapshot {snapshotId}");
            }

            if (snapshot.Consumed)
            {
                return Problems.Of(StatusCodes.Status409Conflict, "Already restored",
                    $"Snapshot {snapshotId} was restored at {snapshot.RestoredAt:u}; a snapshot restores once.");
            }
        }
        else
        {
            var (kind, _) = Kinds.Of(resource!);
            if (await snapshots.LatestUnconsumedAsync(kind, resource!.Namespace, resource.Name, http.RequestAborted) is null)
            {
                return Problems.NotFound($"A snapshot not yet restored of {WireNames.Of(resource.ResourceType)}/{resource.Name}" +
                    (resource.Namespace is null ? "" : $" in {resource.Namespace}"));
            }
        }

        var principal = ApiPrincipal.From(http);
        var id = Guid.NewGuid();
        // A command: sent to the rollback service's queue, which takes nothing published.
        var rollback = await send.GetSendEndpoint(Endpoints.Queue(Endpoints.Rollback));
        await rollback.Send(new RollbackRequested
        {
            RequestId = id,
            SnapshotId = snapshotId,
            Resource = resource,
            Reason = string.IsNullOrEmpty(reason) ? $"manual rollback by {principal.Name}" : reason,
            Principal = principal.Name,
        }, http.RequestAborted);
        logs.CreateLogger(typeof(OperationsEndpoints)).LogInformation("Rollback {RequestId} requested by {Principal} of {Target}",
            id, principal.Name, snapshotId ?? $"{resource!.ResourceType}/{resource.Namespace}/{resource.Name}");
        return TypedResults.Accepted((string?)null, new RollbackAcceptedView(id, snapshotId, resource, "Requested"));
    }

    private static ResourceRef? ReadResource(JsonElement element, List<FieldError> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError("resource", "must be an object {resource_type, namespace, name}"));
            return null;
        }

        var before = errors.Count;
        errors.AddRange(RequestBody.Unknown(element, "resource_type", "namespace", "name").Select(e => e with { Path = $"resource.{e.Path}" }));
        var typeName = String(element, "resource_type");
        var type = default(ResourceType);
        if (!WireNames.TryParse(typeName, out type))
        {
            errors.Add(new FieldError("resource.resource_type", $"must be one of {string.Join(", ", WireNames.All<ResourceType>())}"));
        }

        var name = String(element, "name");
        if (name is null || name.Length > Bounds.MaxResourceName || !System.Text.RegularExpressions.Regex.IsMatch(name, Bounds.DnsSubdomainPattern))
        {
            errors.Add(new FieldError("resource.name", "must be a DNS-1123 subdomain of at most 253 characters"));
        }

        var @namespace = String(element, "namespace");
        if (@namespace is not null && (@namespace.Length > Bounds.MaxNamespace || !System.Text.RegularExpressions.Regex.IsMatch(@namespace, Bounds.DnsLabelPattern)))
        {
            errors.Add(new FieldError("resource.namespace", "must be a DNS-1123 label of at most 63 characters"));
        }
        else if (@namespace is null && type is not (ResourceType.Node or ResourceType.Namespace))
        {
            errors.Add(new FieldError("resource.namespace", $"is required for a {WireNames.Of(type)}"));
        }

        return errors.Count > before ? null : new ResourceRef(type, @namespace, name!);

        static string? String(JsonElement e, string property) =>
            e.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    private static async Task<IResult> Snapshots(HttpContext http, [FromServices] ISnapshotStore snapshots, [FromServices] IRequestStore requests)
    {
        var errors = new List<FieldError>();
        var kind = Query.String(http, "kind");
        if (Query.String(http, "resource_type") is { } typeName)
        {
            if (WireNames.TryParse<ResourceType>(typeName, out var type))
            {
                kind = Kinds.Of(type).Kind;
            }
            else
            {
                errors.Add(new FieldError("resource_type", $"must be one of {string.Join(", ", WireNames.All<ResourceType>())}"));
            }
        }

        var query = new SnapshotQuery(
            Namespace: Query.String(http, "namespace"),
            Kind: kind,
            Name: Query.String(http, "name"),
            RequestId: Query.Guid(http, "request_id", errors),
            Consumed: Query.Bool(http, "consumed", errors),
            Limit: Query.Int(http, "limit", 100, 1, 1000, errors));
        if (errors.Count > 0)
        {
            return Problems.BadRequest(RequestEndpoints.Describe(errors[0]) + ".", errors);
        }

        var found = await snapshots.ListAsync(query, http.RequestAborted);
        var redactors = await Redactors(found.Select(s => (Guid?)s.RequestId), requests, http.RequestAborted);
        return TypedResults.Ok(found.Select(s => SnapshotView.Of(s, redactors[s.RequestId])).ToList());
    }

    private static async Task<IResult> Audit(HttpContext http, [FromServices] IAuditLog audit, [FromServices] IRequestStore requests)
    {
        var errors = new List<FieldError>();
        var query = new AuditQuery(
            RequestId: Query.Guid(http, "request_id", errors),
            Principal: Query.String(http, "principal"),
            AfterSequence: Query.Int(http, "after", 0, 0, int.MaxValue, errors),
            Limit: Query.Int(http, "limit", 200, 1, 10_000, errors));
        if (errors.Count > 0)
        {
            return Problems.BadRequest(RequestEndpoints.Describe(errors[0]) + ".", errors);
        }

        var entries = await audit.ReadAsync(query, http.RequestAborted);
        var redactors = await Redactors(entries.Select(e => e.RequestId), requests, http.RequestAborted);
        return TypedResults.Ok(entries.Select(e => e.RequestId is { } id ? e with { Detail = redactors[id].Redact(e.Detail) } : e).ToList());
    }

    private static async Task<IResult> Verify(HttpContext http, [FromServices] IAuditLog audit) =>
        TypedResults.Ok(await audit.VerifyAsync(http.RequestAborted));

    /// <summary>One redactor per request the rows belong to, so a secret value in any row is masked.</summary>
    private static async Task<Dictionary<Guid, SecretRedactor>> Redactors(IEnumerable<Guid?> ids, IRequestStore requests, CancellationToken cancellationToken)
    {
        var redactors = new Dictionary<Guid, SecretRedactor>();
        foreach (var id in ids.OfType<Guid>().Distinct())
        {
            redactors[id] = SecretRedactor.For((await requests.LoadAsync(id, cancellationToken))?.IntentJson);
        }

        return redactors;
    }
}
