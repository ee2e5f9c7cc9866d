using System.Text.Json;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Orchestrator.Api;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Orchestrator.Safety;
using K8sAgentPlatform.Orchestrator.StateMachines;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.WebApi;
using K8sAgentPlatform.WebApi.Auth;
using MassTransit;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.Orchestrator.Console;

/// <summary>
/// The approval console at /ui: sign in with an API token (exchanged for a session cookie), requests waiting for me,
/// one request with its verdicts, diff, evidence and timeline, confirm or reject (the same checks as the API, which it
/// calls), recent requests, snapshots with "roll back", the audit log with its verification, live updates over
/// server-sent events. Every form carries an antiforgery token; every page a strict Content-Security-Policy.
/// </summary>
internal static class ConsoleEndpoints
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private const string PartialHeader = "X-Console-Partial";
    private const string Awaiting = "AwaitingConfirmation";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var ui = endpoints.MapGroup(PlatformAuthentication.ConsolePath).ExcludeFromDescription();
        ui.AddEndpointFilter(async (context, next) =>
        {
            SecurityHeaders(context.HttpContext.Response);
            return await next(context);
        });

        ui.MapGet("", Home).AllowAnonymous();
        ui.MapGet("/sign-in", SignInPage).AllowAnonymous();
        ui.MapPost("/sign-in", SignIn).AllowAnonymous();
        ui.MapPost("/sign-out", SignOut).RequireRole(ApiRole.Viewer);
        ui.MapGet("/requests", Requests).RequireRole(ApiRole.Viewer);
        ui.MapGet("/requests/{id:guid}", RequestPage).RequireRole(ApiRole.Viewer);
        ui.MapPost("/requests/{id:guid}/confirm", Confirm).RequireRole(ApiRole.Approver);
        ui.MapPost("/requests/{id:guid}/reject", Reject).RequireRole(ApiRole.Approver);
        ui.MapGet("/snapshots", Snapshots).RequireRole(ApiRole.Viewer);
        ui.MapPost("/snapshots/{id}/rollback", RollBack).RequireRole(ApiRole.Operator);
        ui.MapGet("/audit", Audit).RequireRole(ApiRole.Viewer);
        ui.MapGet("/events", Events).RequireRole(ApiRole.Viewer);
        ui.MapGet("/app.css", () => Results.Text(ConsoleAssets.Css, "text/css; charset=utf-8")).AllowAnonymous();
        ui.MapGet("/app.js", () => Results.Text(ConsoleAssets.Script, "text/javascript; charset=utf-8")).AllowAnonymous();
    }

    private static void SecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        // What the antiforgery service sets on every page with a form; set the same everywhere, so it has nothing to override.
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers.Pragma = "no-cache";
    }

    // ---- sign-in ----

    private static IResult Home(HttpContext http, [FromServices] IAntiforgery antiforgery) =>
        PlatformAuthentication.PrincipalOf(http.User) is null
            ? SignInForm(http, antiforgery, null, StatusCodes.Status200OK)
            : Results.Redirect("/ui/requests");

    private static IResult SignInPage(HttpContext http, [FromServices] IAntiforgery antiforgery) => SignInForm(http, antiforgery, null, StatusCodes.Status200OK);

    private static async Task<IResult> SignIn(HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] TokenAuthenticator tokens,
        [FromServices] IAuditLog audit)
    {
        if (await RefusedForgery(http, antiforgery) is { } forged)
        {
            return forged;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var principal = tokens.Authenticate(form["token"].ToString().Trim());
        if (principal is null)
        {
            var problem = Problems.Of(StatusCodes.Status401Unauthorized, "Not signed in", "That is not a valid token.");
            var answer = await Refusals.Refuse(http, "anonymous", StatusCodes.Status401Unauthorized, "console sign-in with no valid token", problem);
            var throttled = StatusOf(answer) == StatusCodes.Status429TooManyRequests;
            return SignInForm(http, antiforgery, throttled ? Detail(answer) : "That token is not valid. Nothing was signed in.", StatusOf(answer));
        }

        await http.SignInAsync(PlatformAuthentication.CookieScheme, http.RequestServices.GetRequiredService<ConsoleSessions>().Open(principal));
        await audit.AppendAsync(new AuditRecord("console-sign-in", principal.Name, Outcome: "ok"), http.RequestAborted);
        var back = http.Request.Query["ReturnUrl"].ToString();
        return Results.Redirect(back.StartsWith("/ui/", StringComparison.Ordinal) && !back.StartsWith("//", StringComparison.Ordinal) ? back : "/ui/requests");
    }

    private static async Task<IResult> SignOut(HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] IAuditLog audit)
    {
        if (await RefusedForgery(http, antiforgery) is { } forged)
        {
            return forged;
        }

        var principal = ApiPrincipal.From(http);
        http.RequestServices.GetRequiredService<ConsoleSessions>().Close(http.User);
        await http.SignOutAsync(PlatformAuthentication.CookieScheme);
        await audit.AppendAsync(new AuditRecord("console-sign-out", principal.Name, Outcome: "ok"), http.RequestAborted);
        return Results.Redirect("/ui");
    }

    private static IResult SignInForm(HttpContext http, IAntiforgery antiforgery, string? error, int status)
    {
        var body = new Html();
        body.Raw("<h1>Sign in</h1>");
        if (error is not null)
        {
            body.Raw("<p class=\"error\" role=\"alert\">").Text(error).Raw("</p>");
        }

        body.Raw("<p>Sign in with your platform API token (<code>k8sa_...</code>). It is exchanged for a session cookie; the token itself is not kept.</p>");
        var returnUrl = http.Request.Query["ReturnUrl"].ToString();
        body.Raw($"<form method=\"post\" action=\"/ui/sign-in{(returnUrl.Length > 0 ? "?ReturnUrl=" + Uri.EscapeDataString(returnUrl) : "")}\" class=\"stack\">");
        Antiforgery(body, http, antiforgery);
        body.Raw("<label for=\"token\">API token</label><input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required>");
        body.Raw("<button type=\"submit\">Sign in</button></form>");
        return Page(http, antiforgery, "Sign in", body, status);
    }

    // ---- requests ----

    private static async Task<IResult> Requests(HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] IRequestStore store)
    {
        var principal = ApiPrincipal.From(http);
        var state = http.Request.Query["state"].ToString();
        var known = RequestStates.All.FirstOrDefault(s => string.Equals(s, state, StringComparison.OrdinalIgnoreCase));
        var waiting = principal.Has(ApiRole.Approver)
            ? (await store.QueryAsync(new RequestQuery(State: Awaiting, Limit: 500), http.RequestAborted))
                .Where(r => !(r.RequiresSecondPerson() && r.IsRequester(principal.Name)))
                .OrderBy(r => r.ConfirmationDeadline ?? DateTimeOffset.MaxValue)
                .ToList()
            : [];
        var recent = await store.QueryAsync(new RequestQuery(State: known, Limit: 100), http.RequestAborted);

        var body = new Html();
        body.Raw("<h1>Requests</h1><section aria-labelledby=\"waiting\"><h2 id=\"waiting\">Waiting for me</h2>");
        if (!principal.Has(ApiRole.Approver))
        {
            body.Raw("<p>Only approvers confirm requests; you are ").Text(ApiRoles.Name(principal.Role)).Raw(".</p>");
        }
        else if (waiting.Count == 0)
        {
            body.Raw("<p>Nothing waits for you.</p>");
        }
        else
        {
            RequestTable(body, waiting, deadline: true);
        }

        body.Raw("</section><section aria-labelledby=\"recent\"><h2 id=\"recent\">Recent requests</h2>");
        body.Raw("<form method=\"get\" action=\"/ui/requests\" class=\"inline\"><label for=\"state\">State</label><select id=\"state\" name=\"state\"><option value=\"\">any</option>");
        foreach (var option in RequestStates.All)
        {
            body.Raw($"<option value=\"{Html.Encode(option)}\"{(option == known ? " selected" : "")}>").Text(option).Raw("</option>");
        }

        body.Raw("</select><button type=\"submit\">Filter</button></form>");
        RequestTable(body, recent, deadline: false);
        body.Raw("</section>");
        return Page(http, antiforgery, "Requests", body);
    }

    private static void RequestTable(Html body, IReadOnlyList<RequestState> requests, bool deadline)
    {
        if (requests.Count == 0)
        {
            body.Raw("<p>No requests.</p>");
            return;
        }

        body.Raw("<table><thead><tr><th scope=\"col\">Request</th><th scope=\"col\">State</th><th scope=\"col\">Requester</th><th scope=\"col\">What</th>")
            .Raw(deadline ? "<th scope=\"col\">Confirm before</th>" : "<th scope=\"col\">Updated</th>").Raw("</tr></thead><tbody>");
        foreach (var r in requests)
        {
            var redactor = SecretRedactor.For(r.IntentJson);
            var summary = r.IntentJson is not null && IntentJson.TryParse(r.IntentJson, out var intent, out _) ? intent!.Summary : r.Text;
            body.Raw("<tr><td>").Link($"/ui/requests/{r.CorrelationId}", r.CorrelationId.ToString()[..8]).Raw("</td>")
                .El("td", r.CurrentState, "state").El("td", r.Principal).El("td", redactor.Redact(summary))
                .El("td", Html.Time(deadline ? r.ConfirmationDeadline : r.UpdatedAt)).Raw("</tr>");
        }

        body.Raw("</tbody></table>");
    }

    private static async Task<IResult> RequestPage(Guid id, HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] IRequestStore store,
        [FromServices] ISnapshotStore snapshots, [FromServices] IAuditLog audit) =>
        await RenderRequestAsync(id, http, antiforgery, store, snapshots, audit, notice: http.Request.Query["done"].ToString() switch
        {
            "confirmed" => "Confirmed. The request goes on.",
            "rejected" => "Rejected. Nothing is applied.",
            _ => null,
        }, error: null, StatusCodes.Status200OK);

    private static async Task<IResult> RenderRequestAsync(Guid id, HttpContext http, IAntiforgery antiforgery, IRequestStore store, ISnapshotStore snapshots,
        IAuditLog audit, string? notice, string? error, int status)
    {
        var state = await store.LoadAsync(id, http.RequestAborted);
        if (state is null)
        {
            return Page(http, antiforgery, "Not found", new Html().Raw("<h1>Not found</h1><p>There is no request ").Text(id.ToString()).Raw(".</p>"),
                StatusCodes.Status404NotFound);
        }

        var view = await RequestEndpoints.DetailAsync(state, snapshots, audit, http.RequestServices.GetService<IExecutionRecordStore>(), http.RequestAborted);
        var principal = ApiPrincipal.From(http);
        var body = new Html();
        body.Raw("<h1>Request ").Text(view.Id.ToString()).Raw("</h1>");
        if (notice is not null)
        {
            body.Raw("<p class=\"notice\" role=\"status\">").Text(notice).Raw("</p>");
        }

        if (error is not null)
        {
            body.Raw("<p class=\"error\" role=\"alert\">").Text(error).Raw("</p>");
        }

        body.Raw("<dl class=\"facts\">")
            .El("dt", "State").El("dd", view.State + (view.Final ? " (final)" : ""), "state")
            .El("dt", "Requester").El("dd", view.Principal + (view.OnBehalfOf is { } on ? $" on behalf of {on}" : "") + $" via {view.Source}")
            .El("dt", "Asked").El("dd", view.Text ?? view.Intent?.OriginalRequest)
            .El("dt", "Summary").El("dd", view.Intent?.Summary)
            .El("dt", "Policy risk").El("dd", view.Verdicts.Count == 0 ? "not validated yet" : WireNames.Of(view.Verdicts.Max(v => v.PolicyRiskLevel)))
            .El("dt", "Submitted").El("dd", Html.Time(view.SubmittedAt));
        if (view.State == Awaiting)
        {
            body.El("dt", "Confirmation round").El("dd", view.ConfirmationRound.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .El("dt", "Confirm before").El("dd", Html.Time(view.ConfirmationDeadline))
                .El("dt", "Who may confirm").El("dd", view.MayConfirm ?? "no confirmation needed");
        }

        if (view.RolloutProgress is { } rolling)
        {
            body.El("dt", "Rollout").El("dd", $"operation {rolling.OperationIndex + 1}: {rolling.Rollout}");
        }

        if (view.ConfirmedBy.Count > 0)
        {
            body.El("dt", "Confirmed by").El("dd", string.Join(", ", view.ConfirmedBy));
        }

        if (view.Outcome is not null)
        {
            body.El("dt", "Outcome").El("dd", view.Outcome);
        }

        body.Raw("</dl>");

        if (view.State == Awaiting && principal.Has(ApiRole.Approver))
        {
            body.Raw("<section aria-labelledby=\"decide\" class=\"decide\"><h2 id=\"decide\">Decide</h2>");
            if (view.RequiresSecondPerson && state.IsRequester(principal.Name))
            {
                body.Raw("<p>You submitted this request and policy requires a second person: another approver must confirm it.</p>");
            }

            body.Raw($"<form method=\"post\" action=\"/ui/requests/{view.Id}/confirm\" class=\"inline\">");
            Antiforgery(body, http, antiforgery);
            body.Hidden("round", view.ConfirmationRound.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Raw("<button type=\"submit\" class=\"confirm\">Confirm round ").Text(view.ConfirmationRound.ToString(System.Globalization.CultureInfo.InvariantCulture)).Raw("</button></form>");
            body.Raw($"<form method=\"post\" action=\"/ui/requests/{view.Id}/reject\" class=\"stack\">");
            Antiforgery(body, http, antiforgery);
            body.Raw("<label for=\"reason\">Reason for rejecting (optional)</label><textarea id=\"reason\" name=\"reason\" rows=\"2\" maxlength=\"500\"></textarea>")
                .Raw("<button type=\"submit\" class=\"reject\">Reject</button></form></section>");
        }

        Operations(body, view);
        WhatHappened(body, view);
        body.Raw("<section aria-labelledby=\"timeline\"><h2 id=\"timeline\">Timeline</h2>");
        AuditTable(body, view.Timeline);
        body.Raw("</section>");
        return Page(http, antiforgery, $"Request {view.Id.ToString()[..8]}", body, status);
    }

    private static void Operations(Html body, RequestView view)
    {
        body.Raw("<section aria-labelledby=\"operations\"><h2 id=\"operations\">Operations and policy</h2>");
        var operations = view.Intent?.Operations ?? [];
        if (operations.Count == 0)
        {
            body.Raw("<p>Not parsed yet.</p></section>");
            return;
        }

        for (var i = 0; i < operations.Count; i++)
        {
            var op = operations[i];
            var verdict = view.Verdicts.FirstOrDefault(v => v.Index == i);
            body.Raw("<article class=\"operation\"><h3>").Text($"{i + 1}. {WireNames.Of(op.OperationType)} {op.Target}").Raw("</h3><dl class=\"facts\">")
                .El("dt", "Parameters").El("dd", op.Parameters is null ? "none" : JsonSerializer.Serialize(op.Parameters, op.Parameters.GetType()))
                .El("dt", "Why").El("dd", op.Reason);
            if (verdict is not null)
            {
                body.El("dt", "Policy").El("dd", (verdict.Approved ? "approved" : "refused")
                        + (verdict.RequiresConfirmation ? ", needs confirmation" : "") + (verdict.RequiresSecondPerson ? ", by a second person" : "")
                        + $", risk {WireNames.Of(verdict.PolicyRiskLevel)}")
                    .El("dt", "Dry run").El("dd", WireNames.Of(verdict.DryRun.Status) + (verdict.DryRun.Message is { } m ? $": {m}" : ""));
            }

            body.Raw("</dl>");
            if (verdict is not null && verdict.Reasons.Count + verdict.Warnings.Count > 0)
            {
                body.Raw("<h4>Policy reasons (rule ids in brackets)</h4><ul class=\"reasons\">");
                foreach (var reason in verdict.Reasons)
                {
                    body.El("li", reason);
                }

                foreach (var warning in verdict.Warnings)
                {
                    body.El("li", "warning: " + warning);
                }

                body.Raw("</ul>");
            }

            if (verdict is not null && verdict.Diff.Count > 0)
            {
                // The dry run's result is what a confirmation approves: shown field by field, old and new in their own columns.
                body.Raw("<h4>What changes (live object, then the server's dry-run result)</h4><table class=\"diff\"><thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Now</th><th scope=\"col\">After</th></tr></thead><tbody>");
                foreach (var change in verdict.Diff)
                {
                    body.Raw("<tr>").El("td", change.Path).Raw("<td>").El("del", change.Before ?? "(absent)").Raw("</td><td>").El("ins", change.After ?? "(absent)").Raw("</td></tr>");
                }

                body.Raw("</tbody></table>");
            }

            body.Raw("</article>");
        }

        body.Raw("</section>");
    }

    private static void WhatHappened(Html body, RequestView view)
    {
        if (view.Results.Count == 0 && view.Rollbacks.Count == 0 && view.Reasons.Count == 0)
        {
            return;
        }

        body.Raw("<section aria-labelledby=\"evidence\"><h2 id=\"evidence\">What happened</h2><ul class=\"results\">");
        foreach (var result in view.Results.OrderBy(r => r.Index))
        {
            body.Raw("<li>").El("strong", $"operation {result.Index + 1}: {(result.Success ? "succeeded" : "failed")}").Raw(" ")
                .Text(result.Success ? result.Result : result.Error);
            if (result.Evidence.Count > 0)
            {
                body.Raw("<ul class=\"evidence\">");
                foreach (var line in result.Evidence)
                {
                    body.El("li", line);
                }

                body.Raw("</ul>");
            }

            body.Raw("</li>");
        }

        foreach (var rollback in view.Rollbacks)
        {
            body.El("li", $"rolled back operation {rollback.OperationIndex + 1} from snapshot {rollback.SnapshotId}: {rollback.Message}");
        }

        foreach (var reason in view.Reasons)
        {
            body.El("li", reason);
        }

        body.Raw("</ul></section>");
    }

    private static async Task<IResult> Confirm(Guid id, HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] IRequestStore store,
        [FromServices] ISnapshotStore snapshots, [FromServices] IAuditLog audit, [FromServices] IPublishEndpoint publish,
        [FromServices] AcceptedRequests acceptedRequests, [FromServices] ILoggerFactory logs)
    {
        if (await RefusedForgery(http, antiforgery) is { } forged)
        {
            return forged;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        int? round = int.TryParse(form["round"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var r) && r >= 1 ? r : null;
        if (round is null)
        {
            return await RenderRequestAsync(id, http, antiforgery, store, snapshots, audit, null, "The form did not say which confirmation round it confirms; nothing changed.",
                StatusCodes.Status400BadRequest);
        }

        var result = await RequestEndpoints.ConfirmAsync(id, round, http, store, publish, acceptedRequests, logs);
        return await DecidedAsync(result, "confirmed", id, http, antiforgery, store, snapshots, audit);
    }

    private static async Task<IResult> Reject(Guid id, HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] IRequestStore store,
        [FromServices] ISnapshotStore snapshots, [FromServices] IAuditLog audit, [FromServices] IPublishEndpoint publish,
        [FromServices] AcceptedRequests acceptedRequests, [FromServices] ILoggerFactory logs)
    {
        if (await RefusedForgery(http, antiforgery) is { } forged)
        {
            return forged;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var reason = form["reason"].ToString().Trim();
        if (reason.Length > Bounds.MaxReason)
        {
            return await RenderRequestAsync(id, http, antiforgery, store, snapshots, audit, null,
                $"The reason is longer than {Bounds.MaxReason} characters; nothing changed.", StatusCodes.Status400BadRequest);
        }

        var result = await RequestEndpoints.RejectAsync(id, reason.Length == 0 ? null : reason, http, store, publish, acceptedRequests, logs);
        return await DecidedAsync(result, "rejected", id, http, antiforgery, store, snapshots, audit);
    }

    /// <summary>After the API's own decision: back to the request with a notice, or the request again with the refusal and its status.</summary>
    private static async Task<IResult> DecidedAsync(IResult result, string done, Guid id, HttpContext http, IAntiforgery antiforgery, IRequestStore store,
        ISnapshotStore snapshots, IAuditLog audit) =>
        result is IStatusCodeHttpResult { StatusCode: StatusCodes.Status202Accepted }
            ? Results.Redirect($"/ui/requests/{id}?done={done}")
            : await RenderRequestAsync(id, http, antiforgery, store, snapshots, audit, null, Detail(result) + " Nothing changed.", StatusOf(result));

    // ---- snapshots and audit ----

    private static async Task<IResult> Snapshots(HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] ISnapshotStore snapshots)
    {
        var principal = ApiPrincipal.From(http);
        var found = await snapshots.ListAsync(new SnapshotQuery(Limit: 200), http.RequestAborted);
        var body = new Html().Raw("<h1>Snapshots</h1>");
        var error = http.Request.Query["error"].ToString();
        if (error.Length > 0)
        {
            body.Raw("<p class=\"error\" role=\"alert\">").Text(error).Raw("</p>");
        }

        if (found.Count == 0)
        {
            return Page(http, antiforgery, "Snapshots", body.Raw("<p>No snapshots.</p>"));
        }

        body.Raw("<table><thead><tr><th scope=\"col\">Snapshot</th><th scope=\"col\">Object</th><th scope=\"col\">Taken</th><th scope=\"col\">Request</th><th scope=\"col\">Restore</th></tr></thead><tbody>");
        foreach (var s in found)
        {
            body.Raw("<tr>").El("td", s.Id).El("td", $"{s.Kind} {s.Name}" + (s.Namespace is null ? "" : $" in {s.Namespace}")).El("td", Html.Time(s.CapturedAt))
                .Raw("<td>").Link($"/ui/requests/{s.RequestId}", s.RequestId.ToString()[..8]).Raw("</td><td>");
            if (s.Consumed)
            {
                body.Text($"restored {Html.Time(s.RestoredAt)}");
            }
            else if (principal.Has(ApiRole.Operator))
            {
                body.Raw($"<form method=\"post\" action=\"/ui/snapshots/{Html.Encode(s.Id)}/rollback\" class=\"inline\">");
                Antiforgery(body, http, antiforgery);
                body.Raw("<button type=\"submit\" aria-label=\"Roll back to snapshot ").Text(s.Id).Raw("\">Roll back</button></form>");
            }
            else
            {
                body.Text("available");
            }

            body.Raw("</td></tr>");
        }

        body.Raw("</tbody></table>");
        return Page(http, antiforgery, "Snapshots", body);
    }

    private static async Task<IResult> RollBack(string id, HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] ISnapshotStore snapshots,
        [FromServices] IPublishEndpoint publish, [FromServices] AcceptedRequests acceptedRequests, [FromServices] TimeProvider time, [FromServices] ILoggerFactory logs)
    {
        if (await RefusedForgery(http, antiforgery) is { } forged)
        {
            return forged;
        }

        var snapshot = await snapshots.GetAsync(id, http.RequestAborted);
        if (snapshot is null || snapshot.Consumed)
        {
            return Results.Redirect("/ui/snapshots?error=" + Uri.EscapeDataString(snapshot is null ? $"Snapshot {id} does not exist." : $"Snapshot {id} was restored already."));
        }

        var result = await OperationsEndpoints.SubmitRestoreAsync(snapshot, null, null, http, publish, acceptedRequests, time, logs);
        return result is Accepted<RollbackAcceptedView> accepted && accepted.Value is { } view
            ? Results.Redirect($"/ui/requests/{view.RollbackId}")
            : Results.Redirect("/ui/snapshots?error=" + Uri.EscapeDataString(Detail(result)));
    }

    private static async Task<IResult> Audit(HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] IAuditLog audit)
    {
        var verification = await audit.VerifyAsync(http.RequestAborted);
        var entries = await audit.ReadAsync(new AuditQuery(Limit: 1_000_000), http.RequestAborted);
        var body = new Html().Raw("<h1>Audit log</h1>");
        body.Raw(verification.Intact ? "<p class=\"notice\" role=\"status\">" : "<p class=\"error\" role=\"alert\">")
            .Text(verification.Intact
                ? $"The chain verifies: {verification.EntriesChecked} entries, each keyed and linked to the one before."
                : $"The chain is broken at entry {verification.FirstBrokenSequence}: {verification.Problem}")
            .Raw("</p>");
        AuditTable(body, entries.TakeLast(200).Reverse().ToList());
        return Page(http, antiforgery, "Audit log", body);
    }

    private static void AuditTable(Html body, IReadOnlyList<AuditEntry> entries)
    {
        if (entries.Count == 0)
        {
            body.Raw("<p>No entries.</p>");
            return;
        }

        body.Raw("<table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">When</th><th scope=\"col\">Who</th><th scope=\"col\">What</th><th scope=\"col\">Detail</th><th scope=\"col\">Outcome</th></tr></thead><tbody>");
        foreach (var e in entries)
        {
            body.Raw("<tr>").El("td", e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)).El("td", Html.Time(e.At)).El("td", e.Principal)
                .El("td", e.Action).El("td", e.Detail).El("td", e.Outcome).Raw("</tr>");
        }

        body.Raw("</tbody></table>");
    }

    // ---- live updates ----

    /// <summary>
    /// Server-sent events: "changed" whenever a recent request moves or the emergency stop flips; the page's script then
    /// fetches itself again and swaps its main part, keeping what has focus. Woken at once by this process's saga saves
    /// (<see cref="RequestChanges.NextSave"/>); the store is also read every few seconds for other replicas' saves and the stop.
    /// </summary>
    private static async Task Events(HttpContext http, [FromServices] IRequestStore store, [FromServices] EmergencyStop stop,
        [FromServices] RequestChanges changes, [FromServices] TimeProvider time)
    {
        http.Response.Headers.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-store";
        string? last = null;
        var lastWrite = time.GetUtcNow();
        try
        {
            while (!http.RequestAborted.IsCancellationRequested)
            {
                var nextSave = changes.NextSave;
                var recent = await store.QueryAsync(new RequestQuery(Limit: 50), http.RequestAborted);
                var signature = string.Join(';', recent.Select(r => $"{r.CorrelationId:N}:{r.CurrentState}:{r.Version}")) + $"|{stop.IsStopped}";
                if (last is not null && signature != last)
                {
                    await http.Response.WriteAsync("event: changed\ndata: {}\n\n", http.RequestAborted);
                    await http.Response.Body.FlushAsync(http.RequestAborted);
                    lastWrite = time.GetUtcNow();
                }
                else if (last is null || time.GetUtcNow() - lastWrite >= TimeSpan.FromSeconds(15))
                {
                    await http.Response.WriteAsync(": connected\n\n", http.RequestAborted); // a comment keeps proxies from closing an idle stream
                    await http.Response.Body.FlushAsync(http.RequestAborted);
                    lastWrite = time.GetUtcNow();
                }

                last = signature;
                await Task.WhenAny(nextSave, Task.Delay(TimeSpan.FromSeconds(3), time, http.RequestAborted));
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
    }

    // ---- shared parts ----

    private static IResult Page(HttpContext http, IAntiforgery antiforgery, string title, Html main, int status = StatusCodes.Status200OK)
    {
        if (http.Request.Headers.ContainsKey(PartialHeader))
        {
            return Results.Content(main.ToString(), "text/html; charset=utf-8", statusCode: status);
        }

        var principal = PlatformAuthentication.PrincipalOf(http.User);
        var stop = http.RequestServices.GetRequiredService<EmergencyStop>().State;
        var page = new Html();
        page.Raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Raw("<title>").Text($"{title} · K8s Agent Platform").Raw("</title><link rel=\"stylesheet\" href=\"/ui/app.css\"><script src=\"/ui/app.js\" defer></script></head><body>")
            .Raw("<a class=\"skip\" href=\"#main\">Skip to content</a><header><p class=\"brand\">K8s Agent Platform</p>");
        if (principal is not null)
        {
            page.Raw("<nav aria-label=\"Console\"><ul><li><a href=\"/ui/requests\">Requests</a></li><li><a href=\"/ui/snapshots\">Snapshots</a></li><li><a href=\"/ui/audit\">Audit log</a></li></ul></nav>")
                .Raw("<form method=\"post\" action=\"/ui/sign-out\" class=\"inline who\">").Text($"{principal.Name} ({ApiRoles.Name(principal.Role)}) ");
            Antiforgery(page, http, antiforgery);
            page.Raw("<button type=\"submit\">Sign out</button></form>");
        }

        page.Raw("</header>");
        if (stop.Stopped)
        {
            page.Raw("<p class=\"stopped\" role=\"alert\">").Text($"Emergency stop: the platform is stopped since {Html.Time(stop.Since)} by {stop.By}" +
                (stop.Reason is { } reason ? $" ({reason})" : "") + "; no operation starts until an administrator resumes it.").Raw("</p>");
        }

        page.Raw($"<main id=\"main\" tabindex=\"-1\"{(principal is null ? "" : " data-live=\"/ui/events\"")}>").Raw(main.ToString()).Raw("</main></body></html>");
        return Results.Content(page.ToString(), "text/html; charset=utf-8", statusCode: status);
    }

    private static void Antiforgery(Html form, HttpContext http, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        form.Hidden(tokens.FormFieldName, tokens.RequestToken ?? "");
    }

    /// <summary>A form posted without this console's antiforgery token (another site, a replayed or stale page) changes nothing.</summary>
    private static async Task<IResult?> RefusedForgery(HttpContext http, IAntiforgery antiforgery)
    {
        if (await antiforgery.IsRequestValidAsync(http))
        {
            return null;
        }

        var principal = PlatformAuthentication.PrincipalOf(http.User)?.Name ?? "anonymous";
        await http.RequestServices.GetRequiredService<IAuditLog>().AppendAsync(
            new AuditRecord("denied", principal, null, $"{http.Request.Method} {http.Request.Path}: form without a valid antiforgery token", "400"), http.RequestAborted);
        return Results.Content(new Html().Raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Refused</title></head><body><main>")
            .Raw("<h1>Refused</h1><p>This form was not sent from a page of this console (its antiforgery token is missing or stale). Nothing changed. ")
            .Link("/ui/requests", "Back to the console").Raw("</p></main></body></html>").ToString(), "text/html; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
    }

    private static int StatusOf(IResult result) => result is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status400BadRequest;

    private static string Detail(IResult result) => result is ProblemHttpResult problem
        ? problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title ?? "Refused."
        : "Refused.";
}
