using System.Globalization;
using System.Text.Json;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.WebApi;
using K8sAgentPlatform.WebApi.Auth;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Orchestrator.StateMachines;
using K8sAgentPlatform.Persistence;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Orchestrator.Api;

/// <summary>/api/requests: submit, read, list, confirm, reject, cancel.</summary>
internal static class RequestEndpoints
{
    private const string Awaiting = "AwaitingConfirmation";

    /// <summary>Accepted and published, not yet taken up by the orchestrator.</summary>
    public const string Submitted = "Submitted";

    /// <summary>Every saga state, in the order a request moves through them.</summary>
    public static IReadOnlyList<string> States => RequestStates.All;

    private static readonly HashSet<string> Cancellable = new(StringComparer.Ordinal) { "Parsing", "Validating", Awaiting, "Executing" };

    public static void Map(IEndpointRouteBuilder api)
    {
        var requests = api.MapGroup("/api/requests").WithTags("Requests");

        requests.MapPost("", Submit).RequireRole(ApiRole.Operator).AddEndpointFilter<IdempotencyFilter>()
            .WithName("SubmitRequest").WithSummary("Submit a request as text or as an intent")
            .Accepts<SubmitBody>("application/json").Produces<AcceptedView>(StatusCodes.Status202Accepted).ProducesValidationProblem();
        requests.MapGet("", List).RequireRole(ApiRole.Viewer)
            .WithName("ListRequests").WithSummary("Requests, newest first, optionally in one state").Produces<IReadOnlyList<RequestSummaryView>>();
        requests.MapGet("/{id:guid}", Get).RequireRole(ApiRole.Viewer)
            .WithName("GetRequest").WithSummary("One request: intent, verdicts, results, snapshots and timeline")
            .WithDescription("With ?wait=N (seconds, up to 30) the answer waits until the request is final or changes, at most N seconds: follow a request without polling. " +
                "Add &version=V (the version of the last answer) to be answered at once when the request changed since, so no change between two calls is missed.").Produces<RequestView>().ProducesProblem(404);
        requests.MapPost("/{id:guid}/confirm", Confirm).RequireRole(ApiRole.Approver).AddEndpointFilter<IdempotencyFilter>()
            .WithName("ConfirmRequest").WithSummary("Confirm a request that awaits confirmation")
            .Produces<AcceptedView>(StatusCodes.Status202Accepted).ProducesProblem(404).ProducesProblem(409).ProducesProblem(403);
        requests.MapPost("/{id:guid}/reject", Reject).RequireRole(ApiRole.Approver).AddEndpointFilter<IdempotencyFilter>()
            .WithName("RejectRequest").WithSummary("Reject a request that awaits confirmation")
            .Accepts<RejectBody>(isOptional: true, "application/json").Produces<AcceptedView>(StatusCodes.Status202Accepted).ProducesProblem(404).ProducesProblem(409);
        requests.MapPost("/{id:guid}/cancel", Cancel).RequireRole(ApiRole.Operator).AddEndpointFilter<IdempotencyFilter>()
            .WithName("CancelRequest").WithSummary("Cancel a request that has not finished; applied operations are rolled back")
            .Produces<AcceptedView>(StatusCodes.Status202Accepted).ProducesProblem(404).ProducesProblem(409);
    }

    public static string Location(Guid id) => $"/api/requests/{id}";

    private static async Task<IResult> Submit(HttpContext http, [FromServices] IPublishEndpoint publish, [FromServices] TimeProvider time,
        [FromServices] AcceptedRequests acceptedRequests, [FromServices] ILoggerFactory logs)
    {
        var (body, problem) = await RequestBody.ReadObjectAsync(http);
        if (problem is not null)
        {
            return problem;
        }

        var errors = RequestBody.Unknown(body, "text", "intent", "dry_run");
        string? text = null;
        KubernetesIntent? intent = null;
        var dryRun = false;
        var hasText = body.TryGetProperty("text", out var textElement) && textElement.ValueKind != JsonValueKind.Null;
        var hasIntent = body.TryGetProperty("intent", out var intentElement) && intentElement.ValueKind != JsonValueKind.Null;
        if (hasText == hasIntent)
        {
            errors.Add(new FieldError("", "send exactly one of 'text' (plain language) and 'intent' (the intent's JSON form)"));
        }

        if (hasText)
        {
            if (textElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(textElement.GetString()))
            {
                errors.Add(new FieldError("text", "must be a non-empty string"));
            }
            else if ((text = textElement.GetString()!.Trim()).Length > Bounds.MaxOriginalRequest)
            {
                errors.Add(new FieldError("text", $"must be at most {Bounds.MaxOriginalRequest} characters (it has {text.Length})"));
            }
        }

        if (hasIntent)
        {
            if (IntentJson.TryRead(intentElement, out var read, out var intentErrors))
            {
                intent = read;
            }
            else
            {
                errors.AddRange(intentErrors.Select(e => new FieldError(e.Path.Length == 0 ? "intent" : $"intent.{e.Path}", e.Message)));
            }
        }

        if (body.TryGetProperty("dry_run", out var dryRunElement))
        {
            if (dryRunElement.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                dryRun = dryRunElement.GetBoolean();
            }
            else
            {
                errors.Add(new FieldError("dry_run", "must be true or false"));
            }
        }

        if (errors.Count > 0)
        {
            return Problems.BadRequest(errors.Count == 1 ? $"{Describe(errors[0])}." : $"{errors.Count} problems; see 'errors'.", errors);
        }

        var principal = ApiPrincipal.From(http);
        var id = Guid.NewGuid();
        await RequestSubmission.SubmitAsync(publish, acceptedRequests, time, logs.CreateLogger(typeof(RequestEndpoints)),
            id, text, intent, dryRun, principal.Name, "api", http.RequestAborted);
        return TypedResults.Accepted(Location(id), new AcceptedView(id, Submitted, Location(id)));
    }

    private static async Task<IResult> Get(Guid id, HttpContext http, [FromServices] IRequestStore store, [FromServices] ISnapshotStore snapshots,
        [FromServices] IAuditLog audit, [FromServices] AcceptedRequests acceptedRequests, [FromServices] RequestChanges changes, [FromServices] TimeProvider time)
    {
        var errors = new List<FieldError>();
        var wait = Query.Int(http, "wait", 0, 0, MaxWaitSeconds, errors);
        var seen = Query.Int(http, "version", -1, 0, int.MaxValue, errors);
        if (errors.Count > 0)
        {
            return Problems.BadRequest(Describe(errors[0]) + ".", errors);
        }

        var state = wait == 0
            ? await store.LoadAsync(id, http.RequestAborted)
            : await WaitForChangeAsync(id, TimeSpan.FromSeconds(wait), seen < 0 ? null : seen, store, changes, time, http.RequestAborted);
        if (state is null)
        {
            return acceptedRequests.Find(id) is { } submitted ? TypedResults.Ok(submitted) : Problems.NotFound($"Request {id}");
        }

        return TypedResults.Ok(await DetailAsync(state, snapshots, audit, http.RequestServices.GetService<IExecutionRecordStore>(), http.RequestAborted));
    }

    /// <summary>Everything a person sees of one request (Secret values masked): the API's view and the console's page.</summary>
    internal static async Task<RequestView> DetailAsync(RequestState state, ISnapshotStore snapshots, IAuditLog audit, IExecutionRecordStore? executions,
        CancellationToken cancellationToken)
    {
        var progress = state.CurrentState == "Executing" && executions is not null
            && (await executions.FindAsync(state.CorrelationId, state.NextIndex, cancellationToken)) is { Finished: false, Progress: { } rollout }
            ? new RolloutProgress(state.NextIndex, rollout)
            : null;
        var redactor = SecretRedactor.For(state.IntentJson);
        var taken = await snapshots.ListAsync(new SnapshotQuery(RequestId: state.CorrelationId, Limit: 1000), cancellationToken);
        var timeline = await audit.ReadAsync(new AuditQuery(state.CorrelationId, Limit: 10_000), cancellationToken);
        return View(state, redactor) with
        {
            Snapshots = taken.OrderBy(s => s.OperationIndex).Select(s => SnapshotView.Of(s, redactor)).ToList(),
            Timeline = timeline.Select(e => e with { Detail = redactor.Redact(e.Detail) }).ToList(),
            RolloutProgress = progress,
        };
    }

    private const int MaxWaitSeconds = 30;
    private static readonly TimeSpan ReadAgainWhileWaiting = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The request once it is final, past the version the caller has <paramref name="seen"/>, or saved again after the call
    /// arrived, or when <paramref name="wait"/> has passed. With <paramref name="seen"/> a follower misses no save made
    /// between two of its calls. Saves in this process wake the wait at once; the store is read again every second for
    /// saves made by another replica (and for a request not yet taken up by the saga).
    /// </summary>
    private static async Task<RequestState?> WaitForChangeAsync(Guid id, TimeSpan wait, int? seen, IRequestStore store, RequestChanges changes, TimeProvider time,
        CancellationToken cancellationToken)
    {
        using var subscription = changes.Subscribe(id);
        var first = await store.LoadAsync(id, cancellationToken);
        if (first is not null && (RequestStateMachine.FinalStates.Contains(first.CurrentState) || (seen is not null && first.Version != seen)))
        {
            return first;
        }

        var deadline = time.GetUtcNow() + wait;
        while (deadline - time.GetUtcNow() is var remaining && remaining > TimeSpan.Zero)
        {
            var pause = Task.Delay(Min(ReadAgainWhileWaiting, remaining), time, cancellationToken);
            if (await Task.WhenAny(subscription.Saved, pause) == subscription.Saved)
            {
                break;
            }

            await pause; // throws when the caller went away
            var current = await store.LoadAsync(id, cancellationToken);
            if (current?.Version != first?.Version)
            {
                return current;
            }
        }

        return await store.LoadAsync(id, cancellationToken);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static async Task<IResult> List(HttpContext http, [FromServices] IRequestStore store)
    {
        var errors = new List<FieldError>();
        var state = http.Request.Query["state"].ToString();
        var matched = States.FirstOrDefault(s => string.Equals(s, state, StringComparison.OrdinalIgnoreCase));
        if (state.Length > 0 && matched is null)
        {
            errors.Add(new FieldError("state", $"unknown state '{state}' (known: {string.Join(", ", States)})"));
        }

        var limit = Query.Int(http, "limit", 100, 1, 1000, errors);
        if (errors.Count > 0)
        {
            return Problems.BadRequest(Describe(errors[0]) + ".", errors);
        }

        var found = await store.QueryAsync(new RequestQuery(State: matched, Limit: limit), http.RequestAborted);
        return TypedResults.Ok(found.Select(s =>
        {
            var redactor = SecretRedactor.For(s.IntentJson);
            var summary = s.IntentJson is not null && IntentJson.TryParse(s.IntentJson, out var intent, out _) ? intent!.Summary : null;
            return new RequestSummaryView(s.CorrelationId, s.CurrentState, RequestStateMachine.FinalStates.Contains(s.CurrentState), s.Principal,
                redactor.Redact(s.Text), redactor.Redact(summary), s.OperationCount, s.SubmittedAt, s.UpdatedAt, redactor.Redact(s.Outcome));
        }).ToList());
    }

    private static async Task<IResult> Confirm(Guid id, HttpContext http, [FromServices] IRequestStore store, [FromServices] IPublishEndpoint publish,
        [FromServices] AcceptedRequests acceptedRequests, [FromServices] ILoggerFactory logs)
    {
        var (body, problem) = await RequestBody.ReadObjectAsync(http);
        if (problem is not null)
        {
            return problem;
        }

        var errors = RequestBody.Unknown(body, "round");
        int? round = null;
        if (body.TryGetProperty("round", out var roundElement) && roundElement.ValueKind != JsonValueKind.Null)
        {
            round = roundElement.ValueKind == JsonValueKind.Number && roundElement.TryGetInt32(out var r) && r >= 1 ? r : null;
            if (round is null)
            {
                errors.Add(new FieldError("round", "must be the confirmation round shown with the request (a whole number from 1)"));
            }
        }

        if (errors.Count > 0)
        {
            return Problems.BadRequest(Describe(errors[0]) + ".", errors);
        }

        return await ConfirmAsync(id, round, http, store, publish, acceptedRequests, logs);
    }

    /// <summary>A confirmation by the caller, from the API or the console: four-eyes and the round enforced, refusals audited.</summary>
    internal static async Task<IResult> ConfirmAsync(Guid id, int? round, HttpContext http, IRequestStore store, IPublishEndpoint publish,
        AcceptedRequests acceptedRequests, ILoggerFactory logs)
    {
        var principal = ApiPrincipal.From(http);
        var state = await store.LoadAsync(id, http.RequestAborted);
        if (state is null)
        {
            return NotYetOrNotFound(id, acceptedRequests);
        }

        if (state.CurrentState != Awaiting)
        {
            return Problems.Conflict($"Request {id} is {state.CurrentState}; only a request in {Awaiting} can be confirmed.");
        }

        if (state.RequiresSecondPerson() && state.IsRequester(principal.Name))
        {
            return await Refusals.Refuse(http, principal.Name, StatusCodes.Status403Forbidden, "policy requires a second person: the requester cannot confirm it",
                Problems.Of(StatusCodes.Status403Forbidden, "A second person must confirm",
                    $"Request {id} needs a second person (policy risk at or above the four-eyes level) and was submitted by {state.Principal}{(state.OnBehalfOf is { } onBehalfOf ? $" on behalf of {onBehalfOf}" : "")}; another approver must confirm it."));
        }

        if (round is { } asked && asked != state.ConfirmationRound)
        {
            return await Refusals.Refuse(http, principal.Name, StatusCodes.Status409Conflict,
                $"confirmation for round {asked}, but the request waits in round {state.ConfirmationRound}",
                Problems.Conflict($"Request {id} waits for confirmation round {state.ConfirmationRound}, not {asked}: what it asks to approve changed. " +
                    "Look at it again (k8s-agent requests show) and confirm the current round."));
        }

        // Bound to what this caller was shown: the round and the verdicts of that round.
        await publish.Publish(new ConfirmRequest
        {
            RequestId = id,
            Principal = principal.Name,
            Round = state.ConfirmationRound,
            VerdictsHash = state.VerdictsHash ?? "",
        }, http.RequestAborted);
        logs.CreateLogger(typeof(RequestEndpoints)).LogInformation("Request {RequestId} confirmed by {Principal}", id, principal.Name);
        return TypedResults.Accepted(Location(id), new AcceptedView(id, state.CurrentState, Location(id)));
    }

    private static async Task<IResult> Reject(Guid id, HttpContext http, [FromServices] IRequestStore store, [FromServices] IPublishEndpoint publish,
        [FromServices] AcceptedRequests acceptedRequests, [FromServices] ILoggerFactory logs)
    {
        var (reason, problem) = await RequestBody.ReadReasonAsync(http, Contracts.Intent.Bounds.MaxReason);
        return problem ?? await RejectAsync(id, reason, http, store, publish, acceptedRequests, logs);
    }

    internal static async Task<IResult> RejectAsync(Guid id, string? reason, HttpContext http, IRequestStore store, IPublishEndpoint publish,
        AcceptedRequests acceptedRequests, ILoggerFactory logs)
    {
        var principal = ApiPrincipal.From(http);
        var state = await store.LoadAsync(id, http.RequestAborted);
        if (state is null)
        {
            return NotYetOrNotFound(id, acceptedRequests);
        }

        if (state.CurrentState != Awaiting)
        {
            return Problems.Conflict($"Request {id} is {state.CurrentState}; only a request in {Awaiting} can be rejected.");
        }

        await publish.Publish(new RejectRequest { RequestId = id, Principal = principal.Name, Reason = reason }, http.RequestAborted);
        logs.CreateLogger(typeof(RequestEndpoints)).LogInformation("Request {RequestId} rejected by {Principal}", id, principal.Name);
        return TypedResults.Accepted(Location(id), new AcceptedView(id, state.CurrentState, Location(id)));
    }

    private static async Task<IResult> Cancel(Guid id, HttpContext http, [FromServices] IRequestStore store, [FromServices] IPublishEndpoint publish,
        [FromServices] AcceptedRequests acceptedRequests, [FromServices] ILoggerFactory logs)
    {
        var principal = ApiPrincipal.From(http);
        var state = await store.LoadAsync(id, http.RequestAborted);
        if (state is null)
        {
            return NotYetOrNotFound(id, acceptedRequests);
        }

        if (!state.IsRequester(principal.Name) && !principal.Has(ApiRole.Approver))
        {
            // Cancelling someone else's request (and rolling back what it applied) is an approver's decision.
            return await Refusals.Refuse(http, principal.Name, StatusCodes.Status403Forbidden, "only the requester or an approver may cancel a request",
                Problems.Of(StatusCodes.Status403Forbidden, "Not your request",
                    $"Request {id} was submitted by {state.Principal}; only its requester or an approver may cancel it."));
        }

        if (!Cancellable.Contains(state.CurrentState))
        {
            return Problems.Conflict($"Request {id} is {state.CurrentState}; only a request that has not finished ({string.Join(", ", Cancellable)}) can be cancelled.");
        }

        await publish.Publish(new CancelRequest { RequestId = id, Principal = principal.Name }, http.RequestAborted);
        logs.CreateLogger(typeof(RequestEndpoints)).LogInformation("Request {RequestId} cancelled by {Principal}", id, principal.Name);
        return TypedResults.Accepted(Location(id), new AcceptedView(id, state.CurrentState, Location(id)));
    }

    private static IResult NotYetOrNotFound(Guid id, AcceptedRequests acceptedRequests) => acceptedRequests.Find(id) is null
        ? Problems.NotFound($"Request {id}")
        : Problems.Conflict($"Request {id} was just submitted and the orchestrator has not taken it up yet; try again in a moment.");

    private static RequestView View(RequestState s, SecretRedactor redactor)
    {
        KubernetesIntent? intent = null;
        if (s.IntentJson is not null && IntentJson.TryParse(s.IntentJson, out var parsed, out _))
        {
            intent = redactor.Redact(parsed!);
        }

        return new RequestView
        {
            Id = s.CorrelationId,
            Version = s.Version,
            State = s.CurrentState,
            Final = RequestStateMachine.FinalStates.Contains(s.CurrentState),
            Principal = s.Principal,
            OnBehalfOf = s.OnBehalfOf,
            Source = s.Source,
            Text = redactor.Redact(s.Text),
            DryRun = s.DryRun,
            SubmittedAt = s.SubmittedAt,
            UpdatedAt = s.UpdatedAt,
            Parser = s.Parser,
            Intent = intent,
            ModelRiskLevel = s.ModelRiskLevel,
            Verdicts = s.Verdicts.Select(v => v with
            {
                Reasons = redactor.Redact(v.Reasons),
                Warnings = redactor.Redact(v.Warnings),
                Diff = v.Diff.Select(c => c with { Before = redactor.Redact(c.Before), After = redactor.Redact(c.After) }).ToList(),
            }).ToList(),
            Results = s.Results.Select(r => r with { Result = redactor.Redact(r.Result), Error = redactor.Redact(r.Error), Evidence = redactor.Redact(r.Evidence) }).ToList(),
            Rollbacks = s.Rollbacks,
            ConfirmationDeadline = s.ConfirmationDeadline,
            ConfirmationRound = s.ConfirmationRound,
            RequiresSecondPerson = s.RequiresSecondPerson(),
            MayConfirm = MayConfirm(s),
            ConfirmedBy = s.ConfirmedBy,
            Outcome = redactor.Redact(s.Outcome),
            Reasons = redactor.Redact(s.Reasons),
        };
    }

    /// <summary>Who may confirm, for people: the CLI prints it as it is.</summary>
    internal static string? MayConfirm(RequestState s) =>
        !s.Verdicts.Any(v => v.RequiresConfirmation) ? null
        : s.RequiresSecondPerson() ? $"anyone with the approver role but {s.Principal}"
        : "anyone with the approver role";

    internal static string Describe(FieldError error) => error.Path.Length == 0 ? error.Message : $"{error.Path}: {error.Message}";
}

/// <summary>Query parameters read by hand, so a bad value is a listed error rather than a bare 400.</summary>
internal static class Query
{
    public static int Int(HttpContext http, string name, int fallback, int min, int max, List<FieldError> errors)
    {
        var raw = http.Request.Query[name].ToString();
        if (raw.Length == 0)
        {
            return fallback;
        }

        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add(new FieldError(name, $"must be a whole number from {min} to {max}"));
        return fallback;
    }

    public static string? String(HttpContext http, string name)
    {
        var raw = http.Request.Query[name].ToString();
        return raw.Length == 0 ? null : raw;
    }

    public static Guid? Guid(HttpContext http, string name, List<FieldError> errors)
    {
        var raw = http.Request.Query[name].ToString();
        if (raw.Length == 0)
        {
            return null;
        }

        if (System.Guid.TryParse(raw, out var id))
        {
            return id;
        }

        errors.Add(new FieldError(name, "must be a request id (a GUID)"));
        return null;
    }

    public static bool? Bool(HttpContext http, string name, List<FieldError> errors)
    {
        var raw = http.Request.Query[name].ToString();
        if (raw.Length == 0)
        {
            return null;
        }

        if (bool.TryParse(raw, out var value))
        {
            return value;
        }

        errors.Add(new FieldError(name, "must be true or false"));
        return null;
    }
}
