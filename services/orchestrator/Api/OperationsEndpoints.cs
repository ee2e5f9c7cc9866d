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

    private static async Task<IResult> Rollback(HttpContext http, [FromServices] ISnapshotStore snapshots, [FromServices] IPublishEndpoint publish,
        [FromServices] AcceptedRequests acceptedRequests, [FromServices] TimeProvider time, [FromServices] ILoggerFactory logs)
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

        reason = RequestBody.OptionalString(body, "reason", Contracts.Intent.Bounds.MaxReason, errors);

        if (errors.Count > 0)
        {
            return Problems.BadRequest(errors.Count == 1 ? RequestEndpoints.Describe(errors[0]) + "." : $"{errors.Count} problems; see 'errors'.", errors);
        }

        SnapshotDocument? snapshot;
        if (snapshotId is not null)
        {
            snapshot = await snapshots.GetAsync(snapshotId, http.RequestAborted);
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
            snapshot = await snapshots.LatestUnconsumedAsync(kind, resource!.Namespace, resource.Name, http.RequestAborted);
            if (snapshot is null)
            {
                return Problems.NotFound($"A snapshot not yet restored of {WireNames.Of(resource.ResourceType)}/{resource.Name}" +
                    (resource.Namespace is null ? "" : $" in {resource.Namespace}"));
            }
        }

        return await SubmitRestoreAsync(snapshot, resource, reason, http, publish, acceptedRequests, time, logs);
    }

    /// <summary>
    /// A manual rollback is a request like any other: policy (the same rules and risk as a forward change of that
    /// object, so a production restore needs confirmation), the saga's signed authorization, the audit log and a
    /// final state. The executor restores the snapshot and keeps one of the state it overwrites.
    /// </summary>
    internal static async Task<IResult> SubmitRestoreAsync(SnapshotDocument snapshot, ResourceRef? resource, string? reason, HttpContext http,
        IPublishEndpoint publish, AcceptedRequests acceptedRequests, TimeProvider time, ILoggerFactory logs)
    {
        var principal = ApiPrincipal.From(http);
        if (RestoreIntent(snapshot, reason, principal.Name) is not { } intent)
        {
            return Problems.BadRequest($"Snapshot {snapshot.Id} holds a {snapshot.Kind}, which the platform cannot restore as a request.");
        }

        var id = Guid.NewGuid();
        var view = await RequestSubmission.SubmitAsync(publish, acceptedRequests, time, logs.CreateLogger(typeof(OperationsEndpoints)),
            id, null, intent, dryRun: false, principal.Name, "api-rollback", http.RequestAborted);
        logs.CreateLogger(typeof(OperationsEndpoints)).LogInformation("Rollback request {RequestId} of snapshot {SnapshotId} submitted by {Principal}",
            id, snapshot.Id, principal.Name);
        var location = $"/api/requests/{id}";
        return TypedResults.Accepted(location, new RollbackAcceptedView(id, snapshot.Id, resource, view.State, location));
    }

    /// <summary>The one-operation intent that restores <paramref name="snapshot"/>, or null for what has no resource type.</summary>
    internal static KubernetesIntent? RestoreIntent(SnapshotDocument snapshot, string? reason, string principal)
    {
        // One object's snapshot names its kind; a manifest's names the operation that applied it.
        ResourceType? type = Enum.GetValues<ResourceType>().Where(t => Kinds.Of(t) == (snapshot.Kind, snapshot.ApiVersion)).Select(t => (ResourceType?)t).FirstOrDefault()
            ?? (snapshot.Operation.OperationType == OperationType.ApplyManifest ? snapshot.Operation.ResourceType : null);
        if (type is not { } resourceType)
        {
            return null;
        }

        var target = $"{WireNames.Of(resourceType)} {snapshot.Name}" + (snapshot.Namespace is null ? "" : $" in {snapshot.Namespace}");
        var why = Fit(string.IsNullOrWhiteSpace(reason) ? $"manual rollback of {target} to snapshot {snapshot.Id}, asked by {principal}" : reason);
        return new KubernetesIntent
        {
            OriginalRequest = $"roll back {target} to snapshot {snapshot.Id}",
            Operations =
            [
                new KubernetesOperation
                {
                    OperationType = OperationType.Rollback,
                    ResourceType = resourceType,
                    ResourceName = snapshot.Name,
                    Namespace = snapshot.Namespace,
                    Parameters = new RollbackParameters { SnapshotId = snapshot.Id },
                    Reason = why,
                    RequiresConfirmation = false,
                },
            ],
            EstimatedRiskLevel = RiskLevel.Medium,
            Summary = Fit($"Restore {target} to snapshot {snapshot.Id}."),
        };
    }

    private static string Fit(string text) =>
        text.Length > Bounds.MaxReason ? text[..Bounds.MaxReason] : text.PadRight(Bounds.MinReason, '.');

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
