using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using K8sAgentPlatform.Contracts;
using Tokens = K8sAgentPlatform.Api.Tests.ApiHost.Tokens;
using K8sAgentPlatform.TestSupport;

namespace K8sAgentPlatform.Api.Tests;

/// <summary>The HTTP API end to end in process: Kestrel, auth, the saga on an in-memory bus, scripted services.</summary>
public sealed class RequestApiTests : IAsyncLifetime
{
    private ApiHost host = null!;

    public async ValueTask InitializeAsync() => host = await ApiHost.StartAsync();

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_submitted_request_is_accepted_shown_and_listed()
    {
        using var alice = host.Client(Tokens.Alice);

        var response = await alice.PostAsJsonAsync("/api/requests", new { text = "scale api to 3 in staging" });

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var accepted = await Json(response);
        var id = accepted.GetProperty("id").GetGuid();
        response.Headers.Location!.ToString().ShouldBe($"/api/requests/{id}");
        // Before the saga has it the request reads as Submitted: the Location handed out never answers 404.
        (await alice.GetAsync(response.Headers.Location)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await host.WaitFor(id, "Completed");

        using var victor = host.Client(Tokens.Victor);
        var shown = await Json(await victor.GetAsync($"/api/requests/{id}"));
        shown.GetProperty("state").GetString().ShouldBe("Completed");
        shown.GetProperty("final").GetBoolean().ShouldBeTrue();
        shown.GetProperty("principal").GetString().ShouldBe("alice");
        shown.GetProperty("intent").GetProperty("operations")[0].GetProperty("parameters").GetProperty("replicas").GetInt32().ShouldBe(3);
        shown.GetProperty("verdicts")[0].GetProperty("approved").GetBoolean().ShouldBeTrue();
        shown.GetProperty("verdicts")[0].GetProperty("policy_risk_level").GetString().ShouldBe("low");
        shown.GetProperty("results")[0].GetProperty("success").GetBoolean().ShouldBeTrue();
        shown.GetProperty("snapshots").GetArrayLength().ShouldBe(1);
        shown.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("action").GetString())
            .ShouldBe(["Initial -> Parsing", "Parsing -> Validating", "approved", "Validating -> Executing", "operation-executed", "Executing -> Completed"]);

        var completed = await Json(await victor.GetAsync("/api/requests?state=completed"));
        completed.EnumerateArray().Select(r => r.GetProperty("id").GetGuid()).ShouldContain(id);
        var waiting = await Json(await victor.GetAsync("/api/requests?state=AwaitingConfirmation"));
        waiting.GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task A_get_with_wait_answers_once_the_request_changed_and_at_once_when_it_is_final()
    {
        var id = await Submit(Tokens.Alice, "restart web in production");
        var version = (await host.WaitFor(id, "AwaitingConfirmation")).Version;
        using var victor = host.Client(Tokens.Victor);
        using var bob = host.Client(Tokens.Bob);
        // A follower that last saw an older version is answered at once (long before the 30 s), so it misses no change made between its calls.
        using (var soon = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            soon.CancelAfter(TimeSpan.FromSeconds(15));
            var behind = await Json(await victor.GetAsync($"/api/requests/{id}?wait=30&version={version - 1}", soon.Token));
            behind.GetProperty("version").GetInt32().ShouldBe(version);
            behind.GetProperty("state").GetString().ShouldBe("AwaitingConfirmation");
        }

        var waiting = victor.GetAsync($"/api/requests/{id}?wait=20&version={version}", TestContext.Current.CancellationToken);
        await ApiHost.WaitUntil(() => host.Changes.IsWaitedFor(id), () => "the GET ?wait never started waiting");
        waiting.IsCompleted.ShouldBeFalse("nothing changed yet");
        (await bob.PostAsync($"/api/requests/{id}/reject", null, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        (await Json(await waiting)).GetProperty("state").GetString().ShouldBe("Rejected");
        var final = await Json(await victor.GetAsync($"/api/requests/{id}?wait=20", TestContext.Current.CancellationToken));
        final.GetProperty("state").GetString().ShouldBe("Rejected");
        await ShouldBeProblem(await victor.GetAsync($"/api/requests/{id}?wait=31", TestContext.Current.CancellationToken), HttpStatusCode.BadRequest,
            "must be a whole number from 0 to 30");
        await ShouldBeProblem(await victor.GetAsync($"/api/requests/{id}?wait=5&version=-1", TestContext.Current.CancellationToken), HttpStatusCode.BadRequest,
            "version: must be a whole number from 0 to");
    }

    [Fact]
    public async Task A_confirm_naming_another_round_gets_409_is_audited_and_sends_nothing_and_the_current_round_is_sent_with_its_verdicts()
    {
        var id = await Submit(Tokens.Alice, "restart web in production");
        var waiting = await host.WaitFor(id, "AwaitingConfirmation");
        using var bob = host.Client(Tokens.Bob);

        var stale = await bob.PostAsJsonAsync($"/api/requests/{id}/confirm", new { round = waiting.ConfirmationRound + 1 });

        await ShouldBeProblem(stale, HttpStatusCode.Conflict, $"waits for confirmation round {waiting.ConfirmationRound}, not {waiting.ConfirmationRound + 1}");
        host.Published.Of<ConfirmRequest>().ShouldBeEmpty();
        (await host.Audit.ReadAsync(new(id))).Single(e => e.Action == "denied").Outcome.ShouldBe("409");

        (await bob.PostAsJsonAsync($"/api/requests/{id}/confirm", new { round = waiting.ConfirmationRound })).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var sent = host.Published.Of<ConfirmRequest>().Single();
        sent.Round.ShouldBe(1);
        sent.VerdictsHash.ShouldBe(waiting.VerdictsHash);
    }

    [Fact]
    public async Task Only_an_approver_confirms_and_an_operator_gets_403_that_changes_nothing()
    {
        var id = await Submit(Tokens.Alice, "restart web in production");
        await host.WaitFor(id, "AwaitingConfirmation");
        using var alice = host.Client(Tokens.Alice);

        var refused = await alice.PostAsync($"/api/requests/{id}/confirm", null);

        await ShouldBeProblem(refused, HttpStatusCode.Forbidden, "needs the approver role");
        host.Published.Of<ConfirmRequest>().ShouldBeEmpty();
        var denied = (await host.Audit.ReadAsync(new(id))).Single(e => e.Action == "denied");
        denied.Principal.ShouldBe("alice");
        denied.Detail!.ShouldStartWith($"POST /api/requests/{id}/confirm");

        using var bob = host.Client(Tokens.Bob);
        (await bob.PostAsync($"/api/requests/{id}/confirm", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await host.WaitFor(id, "Completed")).ConfirmedBy.ShouldBe(["bob"]);
    }

    [Fact]
    public async Task The_requester_cannot_confirm_a_critical_request_even_as_an_approver()
    {
        var id = await Submit(Tokens.Bob, "cordon node worker-1");
        await host.WaitFor(id, "AwaitingConfirmation");
        using var bob = host.Client(Tokens.Bob);

        var refused = await bob.PostAsync($"/api/requests/{id}/confirm", null);

        await ShouldBeProblem(refused, HttpStatusCode.Forbidden, "another approver must confirm it");
        host.Published.Of<ConfirmRequest>().ShouldBeEmpty();
        (await host.Audit.ReadAsync(new(id))).ShouldContain(e => e.Action == "denied" && e.Principal == "bob");
        var view = await bob.GetFromJsonAsync<JsonElement>($"/api/requests/{id}", TestContext.Current.CancellationToken);
        view.GetProperty("requires_second_person").GetBoolean().ShouldBeTrue();
        view.GetProperty("may_confirm").GetString().ShouldBe("anyone with the approver role but bob");
        view.GetProperty("verdicts")[0].GetProperty("requires_second_person").GetBoolean().ShouldBeTrue();

        using var carol = host.Client(Tokens.Carol);
        (await carol.PostAsync($"/api/requests/{id}/confirm", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await host.WaitFor(id, "Completed")).ConfirmedBy.ShouldBe(["carol"]);
    }

    [Fact]
    public async Task A_call_without_a_valid_token_gets_401_changes_nothing_and_is_counted_in_one_summary_entry()
    {
        using var anonymous = host.Client(null);
        using var forged = host.Client("k8sa_not-a-known-token");

        var missing = await anonymous.PostAsJsonAsync("/api/requests", new { text = "scale api to 3 in staging" });
        var unknown = await forged.PostAsJsonAsync("/api/requests", new { text = "scale api to 3 in staging" });
        var read = await anonymous.GetAsync("/api/requests");

        await ShouldBeProblem(missing, HttpStatusCode.Unauthorized, "Bearer");
        missing.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer");
        unknown.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        read.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        host.Published.Of<SubmitRequest>().ShouldBeEmpty();
        (await host.Store.QueryAsync(new())).ShouldBeEmpty();
        (await host.Audit.ReadAsync(new())).ShouldBeEmpty(); // nothing per call

        await host.DenialSummary.WriteAsync(TestContext.Current.CancellationToken);

        var summary = (await host.Audit.ReadAsync(new())).ShouldHaveSingleItem();
        summary.Action.ShouldBe("denied-unauthenticated");
        summary.Principal.ShouldBe("system");
        summary.RequestId.ShouldBeNull();
        summary.Detail.ShouldBe("3 calls without a valid token from 1 client(s): 127.0.0.1 x3; 0 refused call(s) answered 429 (over the client's budget)");
        summary.Outcome.ShouldBe("401");
        (await host.Audit.ReadAsync(new())).ShouldNotContain(e => e.Detail != null && e.Detail.Contains("k8sa_"));
        await host.DenialSummary.WriteAsync(TestContext.Current.CancellationToken);
        (await host.Audit.ReadAsync(new())).Count.ShouldBe(1); // nothing new counted, nothing written
    }

    [Fact]
    public async Task Ten_thousand_unauthenticated_calls_add_nothing_to_a_requests_entries_and_the_api_stays_responsive()
    {
        var id = await Submit(Tokens.Alice, "scale api to 3 in staging");
        await host.WaitFor(id, "Completed");
        var entriesBefore = await host.Audit.ReadAsync(new(id));
        using var forged = host.Client("k8sa_not-a-known-token");
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<HttpStatusCode, int>();

        await Parallel.ForAsync(0, 10_000, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.Current.CancellationToken }, async (i, ct) =>
        {
            using var response = i % 2 == 0
                ? await forged.PostAsync($"/api/requests/{id}/confirm", null, ct)
                : await forged.GetAsync($"/api/requests/{id}", ct);
            statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
        });

        // The first refused calls of the minute are answered 401, every later one 429 without further work.
        statuses.Keys.Order().ShouldBe([HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests]);
        statuses[HttpStatusCode.Unauthorized].ShouldBe(60);
        using var alice = host.Client(Tokens.Alice);
        (await alice.GetAsync($"/api/requests/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await host.Audit.ReadAsync(new(id))).ShouldBe(entriesBefore);
        (await host.Audit.ReadAsync(new())).ShouldNotContain(e => e.Action == "denied");

        await host.DenialSummary.WriteAsync(TestContext.Current.CancellationToken);
        var summary = (await host.Audit.ReadAsync(new())).Single(e => e.Action == "denied-unauthenticated");
        summary.Detail.ShouldBe("10000 calls without a valid token from 1 client(s): 127.0.0.1 x10000; 9940 refused call(s) answered 429 (over the client's budget)");
    }

    [Fact]
    public async Task Confirming_a_completed_request_is_a_409_problem()
    {
        var id = await Submit(Tokens.Alice, "scale api to 3 in staging");
        await host.WaitFor(id, "Completed");
        using var bob = host.Client(Tokens.Bob);

        var response = await bob.PostAsync($"/api/requests/{id}/confirm", null);

        var problem = await ShouldBeProblem(response, HttpStatusCode.Conflict, $"Request {id} is Completed; only a request in AwaitingConfirmation can be confirmed.");
        problem.GetProperty("title").GetString().ShouldBe("The request is not in a state that accepts this");
        host.Published.Of<ConfirmRequest>().ShouldBeEmpty();
        (await bob.PostAsync($"/api/requests/{id}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await bob.PostAsync($"/api/requests/{Guid.NewGuid()}/confirm", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_bad_intent_is_a_400_listing_every_error_and_submits_nothing()
    {
        using var alice = host.Client(Tokens.Alice);
        var intent = new
        {
            original_request = "scale api",
            operations = new[]
            {
                new { operation_type = "scale", resource_type = "deployment", resource_name = "API!", @namespace = "dev", parameters = new { replicas = 500 }, reason = "short", requires_confirmation = false },
            },
            estimated_risk_level = "low",
            summary = "scale the api deployment",
        };

        var response = await alice.PostAsJsonAsync("/api/requests", new { intent, dry_run = true, colour = "blue" });

        var problem = await ShouldBeProblem(response, HttpStatusCode.BadRequest, "problems; see 'errors'");
        var paths = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToList();
        paths.ShouldContain("colour");
        paths.ShouldContain("intent.operations[0].resource_name");
        paths.ShouldContain("intent.operations[0].parameters.replicas");
        paths.ShouldContain("intent.operations[0].reason");
        host.Published.Of<SubmitRequest>().ShouldBeEmpty();

        var neither = await alice.PostAsJsonAsync("/api/requests", new { dry_run = true });
        await ShouldBeProblem(neither, HttpStatusCode.BadRequest, "send exactly one of 'text'");
        var notJson = await alice.PostAsync("/api/requests", new StringContent("{text:", Encoding.UTF8, "application/json"));
        await ShouldBeProblem(notJson, HttpStatusCode.BadRequest, "not valid JSON");
        var huge = await alice.PostAsJsonAsync("/api/requests", new { text = new string('a', 300_000) });
        await ShouldBeProblem(huge, HttpStatusCode.RequestEntityTooLarge, "Bodies are limited to 262144 bytes.");
        host.Published.Of<SubmitRequest>().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_valid_intent_is_submitted_as_is()
    {
        using var alice = host.Client(Tokens.Alice);
        var intent = Intent("scale", "deployment", "api", "dev", new { replicas = 2 });

        var response = await alice.PostAsJsonAsync("/api/requests", new { intent });

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await Json(response)).GetProperty("id").GetGuid();
        (await host.WaitFor(id, "Completed")).Parser.ShouldBe("provided");
        host.Published.Of<SubmitRequest>().Single().Intent.ShouldNotBeNull();
    }

    [Fact]
    public async Task An_idempotency_key_replays_the_first_response_and_publishes_once()
    {
        using var alice = host.Client(Tokens.Alice);

        var first = await Post(alice, "/api/requests", new { text = "scale api to 3 in staging" }, "key-1");
        var second = await Post(alice, "/api/requests", new { text = "scale api to 3 in staging" }, "key-1");

        first.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        second.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var firstBody = await first.Content.ReadAsStringAsync();
        (await second.Content.ReadAsStringAsync()).ShouldBe(firstBody);
        second.Headers.Location.ShouldBe(first.Headers.Location);
        second.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        host.Published.Of<SubmitRequest>().Count().ShouldBe(1);

        using var bob = host.Client(Tokens.Bob);
        (await Post(bob, "/api/requests", new { text = "scale api to 3 in staging" }, "key-1")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        host.Published.Of<SubmitRequest>().Count().ShouldBe(2); // the key is per principal

        var reused = await Post(alice, "/api/requests", new { text = "scale api to 4 in staging" }, "key-1");
        await ShouldBeProblem(reused, (HttpStatusCode)422, "already used for a different call");
        host.Published.Of<SubmitRequest>().Count().ShouldBe(2);
    }

    [Fact]
    public async Task Secret_values_never_appear_in_any_response()
    {
        const string value = "s3cr3t-Pa55w0rd-value";
        using var alice = host.Client(Tokens.Alice);
        var intent = Intent("update_config", "secret", "db-credentials", "dev",
            new { configmap_name = "db-credentials", key = "password", value }, $"set password to {value} on db-credentials");

        var response = await alice.PostAsJsonAsync("/api/requests", new { intent });
        var id = (await Json(response)).GetProperty("id").GetGuid();
        await host.WaitFor(id, "Completed");

        using var victor = host.Client(Tokens.Victor);
        var shown = await victor.GetStringAsync($"/api/requests/{id}");
        var listed = await victor.GetStringAsync("/api/requests");
        var snapshots = await victor.GetStringAsync("/api/snapshots?resource_type=secret");
        var audit = await victor.GetStringAsync($"/api/audit?request_id={id}");
        foreach (var body in new[] { shown, listed, snapshots, audit })
        {
            body.ShouldNotContain(value);
            body.ShouldNotContain(Script.OldSecret);
        }

        var operation = JsonDocument.Parse(shown).RootElement.GetProperty("intent").GetProperty("operations")[0];
        operation.GetProperty("parameters").GetProperty("value").GetString().ShouldBe("(redacted)");
        operation.GetProperty("parameters").GetProperty("key").GetString().ShouldBe("password");
        var snapshot = JsonDocument.Parse(snapshots).RootElement.EnumerateArray().Single();
        snapshot.GetProperty("object").GetProperty("data").GetProperty("password").GetString().ShouldBe("(redacted)");
        snapshot.GetProperty("operation").GetProperty("parameters").GetProperty("value").GetString().ShouldBe("(redacted)");
    }

    [Fact]
    public async Task Secret_values_in_a_manifest_never_appear_in_responses_the_audit_log_or_the_stored_request()
    {
        const string value = "m4n1fest-S3cret-value";
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("d4ta-S3cret-value"));
        var manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: dev}\ndata: {a: b}\n---\n" +
            $"apiVersion: v1\nkind: Secret\nmetadata: {{name: db-credentials, namespace: dev}}\nstringData:\n  password: {value}\ndata:\n  token: {encoded}\n";
        using var alice = host.Client(Tokens.Alice);
        var intent = Intent("apply_manifest", "configmap", "app", "dev", new { manifest }, $"apply app with password {value} and token d4ta-S3cret-value");

        var response = await alice.PostAsJsonAsync("/api/requests", new { intent });
        var id = (await Json(response)).GetProperty("id").GetGuid();
        var stored = await host.WaitFor(id, "Completed");

        using var victor = host.Client(Tokens.Victor);
        var shown = await victor.GetStringAsync($"/api/requests/{id}");
        var listed = await victor.GetStringAsync("/api/requests");
        var snapshots = await victor.GetStringAsync($"/api/snapshots?request_id={id}");
        var audit = await victor.GetStringAsync($"/api/audit?request_id={id}");
        var secrets = new[] { value, encoded, "d4ta-S3cret-value", Script.OldSecret };
        // The stored request keeps the operations as they will run; its text, original request and summary are masked.
        var storedIntent = Contracts.Intent.IntentJson.Parse(stored.IntentJson!);
        foreach (var body in new[] { shown, listed, snapshots, audit, storedIntent.OriginalRequest, storedIntent.Summary, stored.Text ?? "" })
        {
            foreach (var secret in secrets)
            {
                body.ShouldNotContain(secret);
            }
        }

        foreach (var entry in await host.Audit.ReadAsync(new(id)))
        {
            secrets.ShouldAllBe(secret => !(entry.Detail ?? "").Contains(secret));
        }

        var shownManifest = JsonDocument.Parse(shown).RootElement.GetProperty("intent").GetProperty("operations")[0].GetProperty("parameters").GetProperty("manifest").GetString()!;
        shownManifest.ShouldContain("password: (redacted)");
        shownManifest.ShouldContain("kind: ConfigMap");
        var snapshot = JsonDocument.Parse(snapshots).RootElement.EnumerateArray().Single();
        snapshot.GetProperty("object").GetProperty("items")[1].GetProperty("object").GetProperty("data").GetProperty("password").GetString().ShouldBe("(redacted)");
        snapshot.GetProperty("object").GetProperty("items")[0].GetProperty("object").GetProperty("data").GetProperty("a").GetString().ShouldBe("b");
    }

    [Fact]
    public async Task Only_the_requester_or_an_approver_cancels_and_another_operator_gets_403_that_changes_nothing()
    {
        var id = await Submit(Tokens.Alice, "restart worker in production");
        await host.WaitFor(id, "AwaitingConfirmation");
        using var dave = host.Client(Tokens.Dave);

        await ShouldBeProblem(await dave.PostAsync($"/api/requests/{id}/cancel", null), HttpStatusCode.Forbidden, "only its requester or an approver may cancel it");

        host.Published.Of<CancelRequest>().ShouldBeEmpty();
        (await host.Audit.ReadAsync(new(id))).ShouldContain(e => e.Action == "denied" && e.Principal == "dave");
        using var carol = host.Client(Tokens.Carol);
        (await carol.PostAsync($"/api/requests/{id}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await host.WaitFor(id, "Cancelled");
    }

    [Fact]
    public async Task Reject_and_cancel_end_a_waiting_request()
    {
        var rejected = await Submit(Tokens.Alice, "restart web in production");
        var cancelled = await Submit(Tokens.Alice, "restart worker in production");
        await host.WaitFor(rejected, "AwaitingConfirmation");
        await host.WaitFor(cancelled, "AwaitingConfirmation");
        using var bob = host.Client(Tokens.Bob);
        using var alice = host.Client(Tokens.Alice);

        (await bob.PostAsJsonAsync($"/api/requests/{rejected}/reject", new { reason = "not during the sale" })).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await alice.PostAsync($"/api/requests/{cancelled}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        (await host.WaitFor(rejected, "Rejected")).Outcome.ShouldBe("rejected by bob: not during the sale");
        (await host.WaitFor(cancelled, "Cancelled")).Outcome.ShouldBe("cancelled while waiting for confirmation");
        host.Script.Log.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_rollback_by_snapshot_or_resource_is_a_request_through_the_saga_and_unknown_ones_are_404()
    {
        var id = await Submit(Tokens.Alice, "scale api to 3 in staging");
        await host.WaitFor(id, "Completed");
        var snapshot = (await host.Snapshots.ListAsync(new(RequestId: id))).Single();
        using var alice = host.Client(Tokens.Alice);

        var bySnapshot = await alice.PostAsJsonAsync("/api/rollbacks", new { snapshot_id = snapshot.Id });
        var byResource = await alice.PostAsJsonAsync("/api/rollbacks", new { resource = new { resource_type = "deployment", @namespace = "staging", name = "api" } });
        var unknown = await alice.PostAsJsonAsync("/api/rollbacks", new { snapshot_id = "snap-unknown" });
        var both = await alice.PostAsJsonAsync("/api/rollbacks", new { snapshot_id = snapshot.Id, resource = new { resource_type = "deployment", @namespace = "staging", name = "api" } });

        bySnapshot.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        byResource.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await ShouldBeProblem(unknown, HttpStatusCode.NotFound, "Snapshot snap-unknown does not exist.");
        both.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        host.Published.Of<RollbackRequested>().ShouldBeEmpty(); // nothing reaches the rollback service but the saga's own compensation
        var manual = host.Published.Of<SubmitRequest>().Where(r => r.Source == "api-rollback").ToList();
        manual.Count.ShouldBe(2);
        manual.ShouldAllBe(r => r.Principal == "alice");
        foreach (var request in manual)
        {
            var operation = request.Intent!.Operations.ShouldHaveSingleItem();
            operation.OperationType.ShouldBe(Contracts.Intent.OperationType.Rollback);
            operation.ResourceName.ShouldBe("api");
            operation.Namespace.ShouldBe("staging");
        }

        // By id, that snapshot; by resource, the latest one not yet restored of staging/api (whichever that is by then).
        ((Contracts.Intent.RollbackParameters)manual[0].Intent!.Operations[0].Parameters!).SnapshotId.ShouldBe(snapshot.Id);
        ((Contracts.Intent.RollbackParameters)manual[1].Intent!.Operations[0].Parameters!).SnapshotId.ShouldStartWith("snap-0-api-");

        var location = (await Json(bySnapshot)).GetProperty("location").GetString()!;
        var followed = await host.WaitFor(Guid.Parse(location.Split('/')[^1]), "Completed");
        followed.Principal.ShouldBe("alice");
        (await host.Audit.ReadAsync(new(followed.CorrelationId))).ShouldContain(e => e.Action == "Initial -> Parsing");
    }

    [Fact]
    public async Task The_audit_log_reads_and_verifies_and_health_and_the_openapi_document_are_served()
    {
        var id = await Submit(Tokens.Alice, "scale api to 3 in staging");
        await host.WaitFor(id, "Completed");
        using var victor = host.Client(Tokens.Victor);
        using var anonymous = host.Client(null);

        var entries = await Json(await victor.GetAsync($"/api/audit?request_id={id}&limit=2"));
        var verified = await Json(await victor.GetAsync("/api/audit/verify"));
        var document = await Json(await anonymous.GetAsync("/openapi/v1.json"));

        entries.GetArrayLength().ShouldBe(2);
        entries[0].GetProperty("action").GetString().ShouldBe("Initial -> Parsing");
        verified.GetProperty("intact").GetBoolean().ShouldBeTrue();
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        paths.ShouldContain("/api/requests");
        paths.ShouldContain("/api/requests/{id}/confirm");
        paths.ShouldContain("/api/rollbacks");
        paths.ShouldContain("/api/snapshots");
        paths.ShouldContain("/api/audit/verify");
        document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString().ShouldBe("bearer");
        (await anonymous.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await ApiHost.WaitUntil(async () => (await anonymous.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK);
        (await victor.GetAsync("/api/requests?state=Nonsense")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private async Task<Guid> Submit(string token, string text)
    {
        using var client = host.Client(token);
        var response = await client.PostAsJsonAsync("/api/requests", new { text });
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await Json(response)).GetProperty("id").GetGuid();
    }

    private static object Intent(string operation, string resourceType, string name, string ns, object parameters, string? original = null) => new
    {
        original_request = original ?? $"{operation} {name} in {ns}",
        operations = new[]
        {
            new { operation_type = operation, resource_type = resourceType, resource_name = name, @namespace = ns, parameters, reason = "requested through the API test", requires_confirmation = false },
        },
        estimated_risk_level = "low",
        summary = $"{operation} {resourceType} {name} in {ns}",
    };

    private static Task<HttpResponseMessage> Post(HttpClient client, string path, object body, string key)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        message.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(message);
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task<JsonElement> ShouldBeProblem(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = JsonDocument.Parse(body).RootElement;
        problem.GetProperty("status").GetInt32().ShouldBe((int)status);
        problem.GetProperty("detail").GetString()!.ShouldContain(detailContains);
        return problem;
    }
}
