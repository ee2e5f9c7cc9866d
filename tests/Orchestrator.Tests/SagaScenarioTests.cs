using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Intent;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Orchestrator.StateMachines;
using K8sAgentPlatform.Orchestrator.Sweeping;
using K8sAgentPlatform.Persistence;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using K8sAgentPlatform.TestSupport;

namespace K8sAgentPlatform.Orchestrator.Tests;

/// <summary>
/// The request saga on a real in-memory bus with its own repository, the real intent service, and scripted
/// policy, executor and rollback services: every path of DESIGN §2 on purpose.
/// </summary>
public sealed class SagaScenarioTests : IAsyncLifetime
{
    private readonly Script script = new();
    private readonly FinishedLog finished = new();
    private readonly RaceLosingStore store = new();
    private readonly ManualTime time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private ServiceProvider provider = null!;
    private IBusControl bus = null!;

    private IRequestStore Store => provider.GetRequiredService<IRequestStore>();
    private MemoryAuditLog Audit => (MemoryAuditLog)provider.GetRequiredService<IAuditLog>();

    public async ValueTask InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orchestrator:ConfirmationTimeout"] = "00:15:00",
            ["Orchestrator:EmergencyStopFile"] = Path.Combine(Path.GetTempPath(), $"k8s-agent-saga-tests-{Guid.NewGuid():N}", "emergency-stop.json"),
        }).AddInMemoryCollection(TestAuthorizationKeys.Settings).Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(script)
            .AddSingleton(finished)
            .AddSingleton<IRequestStore>(store)
            .AddSingleton<TimeProvider>(time)
            .AddSingleton<IAuditLog, MemoryAuditLog>()
            .AddOrchestratorCore()
            .AddIntentParsing(configuration);
        services.AddMassTransit(x =>
        {
            x.AddRequestSaga();
            x.AddIntentConsumers();
            x.AddScriptedServices();
            x.AddConsumer<FinishedRecorder>();
            x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
        });
        provider = services.BuildServiceProvider(true);
        bus = provider.GetRequiredService<IBusControl>();
        await bus.StartAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await bus.StopAsync();
        await provider.DisposeAsync();
    }

    [Fact]
    public async Task A_change_policy_approves_without_confirmation_runs_and_completes()
    {
        var id = await Submit("scale api to 3 in staging", "alice");

        var state = await WaitFor(id, "Completed");

        state.Parser.ShouldBe("offline");
        state.Verdicts.ShouldHaveSingleItem().Approved.ShouldBeTrue();
        state.Results.ShouldHaveSingleItem().Success.ShouldBeTrue();
        script.Log.ShouldBe(["revalidate 0", "execute 0 api rv=100"]);
        (await Trail(id)).ShouldBe(["Initial -> Parsing", "Parsing -> Validating", "approved", "Validating -> Executing", "operation-executed", "Executing -> Completed"]);
    }

    [Fact]
    public async Task Read_only_operations_run_without_revalidation_and_return_their_result()
    {
        var id = await Submit("show the status of web in production", "alice");

        var state = await WaitFor(id, "Completed");

        script.Log.ShouldBe(["execute 0 web rv="]);
        state.Results.ShouldHaveSingleItem().Result.ShouldBe("done");
    }

    [Fact]
    public async Task A_production_change_waits_for_confirmation_then_runs()
    {
        var id = await Submit("kubectl set image deployment/web app=registry.k8s.io/web:1.2 -n production", "alice");
        var waiting = await WaitFor(id, "AwaitingConfirmation");
        waiting.ConfirmationDeadline.ShouldBe(time.GetUtcNow() + TimeSpan.FromMinutes(15));
        script.Log.ShouldBeEmpty();

        await Confirm(id, "bob");

        var done = await WaitFor(id, "Completed");
        done.ConfirmedBy.ShouldBe(["bob"]);
        (await Trail(id)).ShouldContain("confirmed");
        (await Audit.ReadAsync(new AuditQuery(id))).Single(e => e.Action == "confirmed").Principal.ShouldBe("bob");
    }

    [Fact]
    public async Task The_requester_cannot_confirm_a_critical_operation_but_a_second_principal_can()
    {
        var id = await Submit("cordon node worker-1", "alice");
        await WaitFor(id, "AwaitingConfirmation");

        await Confirm(id, "alice");
        await WaitUntil(async () => (await Trail(id)).Contains("confirmation-refused"));
        (await Store.LoadAsync(id))!.CurrentState.ShouldBe("AwaitingConfirmation");

        await Confirm(id, "bob");
        (await WaitFor(id, "Completed")).ConfirmedBy.ShouldBe(["bob"]);
    }

    [Fact]
    public async Task The_requester_cannot_confirm_a_high_risk_change()
    {
        var id = await Submit("restart web in production", "alice");
        var waiting = await WaitFor(id, "AwaitingConfirmation");
        waiting.RequiresSecondPerson().ShouldBeTrue();

        await Confirm(id, "alice");
        await WaitUntil(async () => (await Trail(id)).Contains("confirmation-refused"));
        (await Store.LoadAsync(id))!.CurrentState.ShouldBe("AwaitingConfirmation");
        script.Log.ShouldBeEmpty();

        await Confirm(id, "bob");
        (await WaitFor(id, "Completed")).ConfirmedBy.ShouldBe(["bob"]);
    }

    [Fact]
    public async Task A_medium_risk_confirmation_may_come_from_the_requester()
    {
        script.ConfirmAtMediumRisk.Add("web");
        var id = await Submit("restart web in staging", "alice");
        (await WaitFor(id, "AwaitingConfirmation")).RequiresSecondPerson().ShouldBeFalse();

        await Confirm(id, "alice");

        (await WaitFor(id, "Completed")).ConfirmedBy.ShouldBe(["alice"]);
    }

    [Fact]
    public async Task A_revalidation_that_newly_requires_a_second_person_asks_again_and_refuses_the_requester()
    {
        script.ConfirmAtMediumRisk.Add("web");
        script.SecondPersonOnRevalidation.Add("web");
        var id = await Submit("restart web in staging", "alice");
        await WaitFor(id, "AwaitingConfirmation");

        await Confirm(id, "alice");
        var again = await WaitFor(id, "AwaitingConfirmation", afterVersion: 3);

        again.RequiresSecondPerson().ShouldBeTrue();
        again.ConfirmedBy.ShouldBeEmpty();
        (await Trail(id)).Count(a => a == "Executing -> AwaitingConfirmation").ShouldBe(1);
        script.Log.ShouldBe(["revalidate 0"]);

        await Confirm(id, "alice");
        await WaitUntil(async () => (await Trail(id)).Contains("confirmation-refused"));
        await Confirm(id, "bob");
        (await WaitFor(id, "Completed")).ConfirmedBy.ShouldBe(["bob"]);
        script.Log.Last().ShouldBe("execute 0 web rv=100");
    }

    [Fact]
    public async Task For_four_eyes_a_raw_json_request_has_two_requesters_the_broker_user_and_the_name_it_asked_for()
    {
        var id = Guid.NewGuid();
        await bus.Publish(new SubmitRequest { RequestId = id, Text = "cordon node worker-1", Principal = "ci-bot", OnBehalfOf = "bob", Source = "bus" });
        await WaitFor(id, "AwaitingConfirmation");

        await Confirm(id, "bob");
        await Confirm(id, "CI-Bot");
        await WaitUntil(async () => (await Trail(id)).Count(a => a == "confirmation-refused") == 2);
        (await Store.LoadAsync(id))!.CurrentState.ShouldBe("AwaitingConfirmation");

        await Confirm(id, "alice");
        var done = await WaitFor(id, "Completed");
        done.ConfirmedBy.ShouldBe(["alice"]);
        done.OnBehalfOf.ShouldBe("bob");
        (await Audit.ReadAsync(new AuditQuery(id))).First().Detail!.ShouldContain("on behalf of bob");
    }

    [Fact]
    public async Task A_policy_rejection_ends_the_request_with_the_reasons_and_runs_nothing()
    {
        script.Rejected.Add("forbidden");

        var id = await Submit("scale api to 3 in dev and restart forbidden in dev", "alice");

        var state = await WaitFor(id, "Rejected");
        state.Reasons.ShouldBe(["operation 1: forbidden is forbidden by the test policy"]);
        state.Outcome.ShouldBe("rejected by policy");
        script.Log.ShouldBeEmpty();
    }

    [Fact]
    public async Task Text_that_is_not_understood_fails_with_the_parser_reason()
    {
        var id = await Submit("frobnicate the api in dev", "alice");

        var state = await WaitFor(id, "Failed");

        state.Outcome!.ShouldStartWith("not understood: did not understand \"frobnicate the api\"");
    }

    [Fact]
    public async Task A_failed_verification_rolls_back_every_applied_operation_newest_first()
    {
        script.FailVerification.Add("web");

        var id = await Submit("scale api to 3 in dev and restart worker in dev and kubectl set image deployment/web app=registry.k8s.io/web:9 -n dev", "alice");

        var state = await WaitFor(id, "RolledBack");
        script.Log.Where(l => l.StartsWith("rollback")).ShouldBe(["rollback 2 snap-2-web", "rollback 1 snap-1-worker", "rollback 0 snap-0-api"]);
        state.Reasons.ShouldContain("operation 2: pod web-1: ImagePullBackOff");
        state.Rollbacks.Count.ShouldBe(3);
    }

    [Fact]
    public async Task An_unconfirmed_request_expires_after_its_deadline()
    {
        var id = await Submit("restart web in production", "alice");
        await WaitFor(id, "AwaitingConfirmation");
        var sweeper = provider.GetRequiredService<DeadlineSweeper>();

        (await sweeper.SweepOnceAsync()).ShouldBe(0);
        time.Advance(TimeSpan.FromMinutes(16));
        (await sweeper.SweepOnceAsync()).ShouldBe(1);

        (await WaitFor(id, "Expired")).Outcome!.ShouldStartWith("nobody confirmed it before");
        script.Log.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_object_changed_between_approval_and_execution_goes_back_to_confirmation()
    {
        var id = await Submit("restart web in production", "alice");
        await WaitFor(id, "AwaitingConfirmation");
        script.ResourceVersions["web"] = "205"; // someone else edited web after approval

        await Confirm(id, "bob");
        var again = await WaitFor(id, "AwaitingConfirmation", afterVersion: 3);

        again.Outcome.ShouldBeNull();
        (await Trail(id)).Count(a => a == "Executing -> AwaitingConfirmation").ShouldBe(1);
        script.Log.ShouldBe(["revalidate 0"]);

        await Confirm(id, "carol");
        await WaitFor(id, "Completed");
        script.Log.Last().ShouldBe("execute 0 web rv=205");
    }

    [Fact]
    public async Task A_revalidation_whose_dry_run_shows_another_diff_asks_again_naming_the_field()
    {
        script.Diffs["web"] = [new FieldChange("spec.replicas", "2", "3")];
        var id = await Submit("restart web in production", "alice");
        var first = await WaitFor(id, "AwaitingConfirmation");
        script.Diffs["web"] = [new FieldChange("spec.replicas", "5", "3")]; // someone scaled web; its resourceVersion as the script keeps it

        await Confirm(id, "bob");
        var second = await WaitFor(id, "AwaitingConfirmation", afterVersion: first.Version + 1);

        second.ConfirmationRound.ShouldBe(2);
        second.VerdictsHash.ShouldNotBe(first.VerdictsHash);
        second.ConfirmedBy.ShouldBeEmpty();
        second.Verdicts.Single().Diff.ShouldBe(script.Diffs["web"]);
        (await Audit.ReadAsync(new AuditQuery(id))).ShouldContain(e => e.Action == "Executing -> AwaitingConfirmation"
            && (e.Detail ?? "").Contains("shows another change than the one confirmed (fields: spec.replicas)"));
        script.Log.ShouldBe(["revalidate 0"]);

        await Confirm(id, "carol");
        await WaitFor(id, "Completed");
        script.Log.Last().ShouldBe("execute 0 web rv=100");
    }

    [Fact]
    public async Task A_revalidation_whose_dry_run_shows_the_same_diff_runs_on_the_first_confirmation()
    {
        script.Diffs["web"] = [new FieldChange("spec.template.spec.containers[0].image", "\"nginx:1.27\"", "\"nginx:1.28\"")];
        var id = await Submit("restart web in production", "alice");
        var waiting = await WaitFor(id, "AwaitingConfirmation");
        script.Diffs["web"] = [new FieldChange("spec.template.spec.containers[0].image", "\"nginx:1.27\"", "\"nginx:1.28\"")]; // equal, not the same instance

        await Confirm(id, "bob");
        var done = await WaitFor(id, "Completed");

        done.ConfirmationRound.ShouldBe(waiting.ConfirmationRound);
        (await Trail(id)).ShouldNotContain("Executing -> AwaitingConfirmation");
        script.Log.ShouldBe(["revalidate 0", "execute 0 web rv=100"]);
    }

    [Fact]
    public async Task Cancelling_while_waiting_ends_the_request_and_runs_nothing()
    {
        var id = await Submit("restart web in production", "alice");
        await WaitFor(id, "AwaitingConfirmation");

        await bus.Publish(new CancelRequest { RequestId = id, Principal = "alice" });

        (await WaitFor(id, "Cancelled")).Outcome.ShouldBe("cancelled while waiting for confirmation");
        script.Log.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_dry_run_validates_and_executes_nothing()
    {
        var id = Guid.NewGuid();
        await bus.Publish(new SubmitRequest { RequestId = id, Text = "scale api to 3 in staging", Principal = "ci", DryRun = true });

        (await WaitFor(id, "Completed")).Outcome.ShouldBe("dry run: every operation was approved; nothing was executed");
        script.Log.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_duplicate_submit_and_late_messages_change_nothing()
    {
        var id = await Submit("scale api to 3 in staging", "alice");
        await WaitFor(id, "Completed");
        var before = (await Store.LoadAsync(id))!;

        await bus.Publish(new SubmitRequest { RequestId = id, Text = "scale api to 99 in staging", Principal = "mallory" });
        await bus.Publish(new OperationExecuted { RequestId = id, Index = 0, Success = false, Error = "late duplicate" });
        await bus.Publish(new ConfirmRequest { RequestId = id, Principal = "bob", Round = 0, VerdictsHash = "" });
        // A request submitted after the duplicates has gone all the way through, so they were consumed.
        await WaitFor(await Submit("restart web in dev", "alice"), "Completed");

        var after = (await Store.LoadAsync(id))!;
        after.CurrentState.ShouldBe("Completed");
        after.Principal.ShouldBe("alice");
        after.Version = before.Version; // MassTransit saves an instance even when an event was ignored
        RequestStateJson.Serialize(after).ShouldBe(RequestStateJson.Serialize(before));
    }

    [Fact]
    public async Task Every_final_state_is_published_once_as_RequestFinished_with_the_results()
    {
        var id = await Submit("scale api to 3 in staging", "alice");
        await WaitFor(id, "Completed");

        await WaitUntil(() => Task.FromResult(finished.Messages.Any(m => m.RequestId == id)));
        var message = finished.Messages.Single(m => m.RequestId == id);
        message.FinalState.ShouldBe("Completed");
        message.Principal.ShouldBe("alice");
        message.Source.ShouldBe("test");
        message.Results.ShouldHaveSingleItem().Success.ShouldBeTrue();
    }

    [Fact]
    public async Task A_policy_service_that_fails_for_good_ends_the_request_in_failed_with_the_service_the_error_and_what_to_do()
    {
        script.Throws.Add("policy/api");

        var id = await Submit("scale api to 3 in staging", "alice");

        var state = await WaitFor(id, "Failed");
        state.Outcome.ShouldBe("the policy service failed validating the operations: InvalidOperationException: scripted policy failure on api");
        state.Reasons.ShouldContain(r => r.StartsWith("what to do: check that the policy service runs"));
        script.Log.ShouldBeEmpty();
        state.Deadline.ShouldBeNull();
        await WaitUntil(() => Task.FromResult(finished.Messages.Any(m => m.RequestId == id && m.FinalState == "Failed")));
    }

    [Fact]
    public async Task An_executor_failure_after_an_applied_operation_rolls_that_operation_back()
    {
        script.Throws.Add("executor/worker");

        var id = await Submit("scale api to 3 in dev and restart worker in dev", "alice");

        var state = await WaitFor(id, "RolledBack");
        state.Outcome!.ShouldStartWith("the executor service failed running operation 1: InvalidOperationException: scripted executor failure on worker; whether it changed the object is unknown");
        script.Log.Where(l => l.StartsWith("rollback")).ShouldBe(["rollback 0 snap-0-api"]);
        (await Trail(id)).ShouldContain("Executing -> Compensating");
    }

    [Fact]
    public async Task A_rollback_service_failure_ends_in_compensation_failed_for_a_human()
    {
        script.FailVerification.Add("api");
        script.Throws.Add("rollback/snap-0-api");

        var id = await Submit("scale api to 3 in dev", "alice");

        var state = await WaitFor(id, "CompensationFailed");
        state.Outcome!.ShouldStartWith("the rollback service failed rolling back operation 0: InvalidOperationException");
        state.Outcome.ShouldEndWith("a human must look");
    }

    [Fact]
    public async Task A_request_nobody_parses_fails_at_the_parse_deadline_and_an_early_sweep_changes_nothing()
    {
        var id = Guid.NewGuid();
        // As a request whose RequestSubmitted no intent service ever took: the saga waits in Parsing.
        await Store.InsertAsync(new RequestState
        {
            CorrelationId = id,
            CurrentState = "Parsing",
            Principal = "alice",
            Source = "test",
            SubmittedAt = time.GetUtcNow(),
            Deadline = time.GetUtcNow() + TimeSpan.FromMinutes(2),
        });
        var sweeper = provider.GetRequiredService<DeadlineSweeper>();

        (await sweeper.SweepOnceAsync()).ShouldBe(0);
        time.Advance(TimeSpan.FromMinutes(3));
        (await sweeper.SweepOnceAsync()).ShouldBe(1);

        var state = await WaitFor(id, "Failed");
        state.Outcome.ShouldBe("the intent service did not parse the request within 00:02:00");
        state.Reasons.ShouldContain(r => r.StartsWith("what to do: check that the intent service runs"));
    }

    [Fact]
    public async Task An_operation_nobody_reports_on_is_ended_at_the_execute_deadline_and_what_was_applied_is_rolled_back()
    {
        script.Silent.Add("executor/worker");
        var id = await Submit("scale api to 3 in dev and restart worker in dev", "alice");
        await WaitUntil(() => Task.FromResult(script.Log.Contains("execute 1 worker rv=100")));
        var sweeper = provider.GetRequiredService<DeadlineSweeper>();

        (await sweeper.SweepOnceAsync()).ShouldBe(0);
        time.Advance(TimeSpan.FromMinutes(16));
        (await sweeper.SweepOnceAsync()).ShouldBe(1);

        var state = await WaitFor(id, "RolledBack");
        state.Outcome!.ShouldStartWith("operation 1 did not report a result within 00:15:00");
        script.Log.Where(l => l.StartsWith("rollback")).ShouldBe(["rollback 0 snap-0-api"]);
    }

    [Fact]
    public async Task A_confirmation_of_an_earlier_round_is_refused_and_only_the_current_round_runs_the_change()
    {
        var id = await Submit("restart web in production", "alice");
        var first = await WaitFor(id, "AwaitingConfirmation");
        first.ConfirmationRound.ShouldBe(1);
        script.ResourceVersions["web"] = "301"; // edited after approval: re-validation starts round 2

        await Confirm(id, "bob");
        var second = await WaitFor(id, "AwaitingConfirmation", afterVersion: first.Version + 1);
        second.ConfirmationRound.ShouldBe(2);
        second.VerdictsHash.ShouldNotBe(first.VerdictsHash);

        // The round-1 confirm again, as a retry or a redelivery would bring it.
        await bus.Publish(new ConfirmRequest { RequestId = id, Principal = "bob", Round = 1, VerdictsHash = first.VerdictsHash! });
        await WaitUntil(async () => (await Trail(id)).Count(a => a == "confirmation-refused") == 1);
        (await Store.LoadAsync(id))!.CurrentState.ShouldBe("AwaitingConfirmation");
        script.Log.Count(l => l.StartsWith("execute")).ShouldBe(0);

        await Confirm(id, "carol");
        await WaitFor(id, "Completed");
        script.Log.Last().ShouldBe("execute 0 web rv=301");
    }

    [Fact]
    public async Task A_confirmation_naming_other_verdicts_than_the_rounds_is_refused()
    {
        var id = await Submit("restart web in production", "alice");
        var waiting = await WaitFor(id, "AwaitingConfirmation");

        await bus.Publish(new ConfirmRequest { RequestId = id, Principal = "bob", Round = waiting.ConfirmationRound, VerdictsHash = new string('0', 64) });

        await WaitUntil(async () => (await Trail(id)).Contains("confirmation-refused"));
        (await Store.LoadAsync(id))!.CurrentState.ShouldBe("AwaitingConfirmation");
    }

    [Fact]
    public async Task While_the_platform_is_stopped_nothing_starts_and_after_the_resume_the_held_request_completes()
    {
        var stop = provider.GetRequiredService<Safety.EmergencyStop>();
        stop.Set(true, "root", "incident 42", time.GetUtcNow());

        var id = await Submit("restart web in dev", "alice");
        await WaitUntil(async () => (await Trail(id)).Contains("held"));
        var held = (await Store.LoadAsync(id))!;
        held.Held.ShouldBeTrue();
        held.Deadline.ShouldBeNull(); // no deadline runs out while it waits
        script.Log.ShouldBeEmpty();

        stop.Set(false, "root", null, time.GetUtcNow());
        await bus.Publish(new ResumeRequest { RequestId = id, Principal = "root" });

        (await WaitFor(id, "Completed")).Held.ShouldBeFalse();
        (await Trail(id)).ShouldContain("resumed");
        script.Log.ShouldBe(["revalidate 0", "execute 0 web rv=100"]);
    }

    [Fact]
    public async Task A_stop_does_not_hold_the_compensation_of_a_failure()
    {
        script.FailVerification.Add("web");
        var id = await Submit("scale api to 3 in dev and restart web in dev", "alice");
        await WaitUntil(() => Task.FromResult(script.Log.Contains("execute 1 web rv=100")));

        provider.GetRequiredService<Safety.EmergencyStop>().Set(true, "root", "incident", time.GetUtcNow());

        await WaitFor(id, "RolledBack");
        script.Log.Where(l => l.StartsWith("rollback")).ShouldBe(["rollback 1 snap-1-web", "rollback 0 snap-0-api"]);
    }

    [Fact]
    public async Task A_transition_that_loses_its_optimistic_race_leaves_no_audit_entry_and_is_audited_once_when_it_happens()
    {
        store.LoseOnceEntering = "Executing"; // another delivery changed the request first: this save fails and is retried

        var id = await Submit("scale api to 3 in staging", "alice");

        await WaitFor(id, "Completed");
        store.LoseOnceEntering.ShouldBeNull("the race was lost once");
        (await Trail(id)).Count(a => a == "Validating -> Executing").ShouldBe(1);
        (await Trail(id)).Count(a => a == "approved").ShouldBe(1);
    }

    /// <summary>Confirms the round the request waits in, with the verdicts it shows, as the API does.</summary>
    private async Task Confirm(Guid id, string principal)
    {
        var state = (await Store.LoadAsync(id))!;
        await bus.Publish(new ConfirmRequest { RequestId = id, Principal = principal, Round = state.ConfirmationRound, VerdictsHash = state.VerdictsHash ?? "" });
    }

    private async Task<Guid> Submit(string text, string principal)
    {
        var id = Guid.NewGuid();
        await bus.Publish(new SubmitRequest { RequestId = id, Text = text, Principal = principal, Source = "test" });
        return id;
    }

    private async Task<List<string>> Trail(Guid id) => (await Audit.ReadAsync(new AuditQuery(id))).Select(e => e.Action).ToList();

    private async Task<RequestState> WaitFor(Guid id, string state, int afterVersion = 0)
    {
        RequestState? current = null;
        await WaitUntil(async () =>
        {
            current = await Store.LoadAsync(id);
            return current is not null && current.CurrentState == state && current.Version > afterVersion;
        }, () => $"request {id} is {current?.CurrentState ?? "missing"} (v{current?.Version}), expected {state}; outcome: {current?.Outcome}; log: {string.Join(", ", script.Log)}");
        return current!;
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, Func<string>? explain = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(explain?.Invoke() ?? "the condition did not hold within 15 s");
            }

            await Task.Delay(20);
        }
    }
}

public sealed class FinishedLog
{
    public System.Collections.Concurrent.ConcurrentQueue<RequestFinished> Messages { get; } = new();
}

public sealed class FinishedRecorder(FinishedLog log) : IConsumer<RequestFinished>
{
    public Task Consume(ConsumeContext<RequestFinished> context)
    {
        log.Messages.Enqueue(context.Message);
        return Task.CompletedTask;
    }
}

/// <summary>The in-memory store that can lose one optimistic-concurrency race, as a second delivery of the same request would make it.</summary>
public sealed class RaceLosingStore : IRequestStore
{
    private readonly InMemoryRequestStore inner = new();

    /// <summary>The next update into this state throws ConcurrencyException once (then it is cleared).</summary>
    public volatile string? LoseOnceEntering;

    public Task<RequestState?> LoadAsync(Guid id, CancellationToken cancellationToken = default) => inner.LoadAsync(id, cancellationToken);

    public Task InsertAsync(RequestState state, CancellationToken cancellationToken = default) => inner.InsertAsync(state, cancellationToken);

    public Task UpdateAsync(RequestState state, int expectedVersion, CancellationToken cancellationToken = default)
    {
        if (LoseOnceEntering is { } lose && state.CurrentState == lose && Interlocked.CompareExchange(ref LoseOnceEntering, null, lose) == lose)
        {
            throw new ConcurrencyException("lost the race on purpose", typeof(RequestState), state.CorrelationId);
        }

        return inner.UpdateAsync(state, expectedVersion, cancellationToken);
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken = default) => inner.DeleteAsync(id, cancellationToken);

    public Task<IReadOnlyList<RequestState>> QueryAsync(RequestQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);
}
