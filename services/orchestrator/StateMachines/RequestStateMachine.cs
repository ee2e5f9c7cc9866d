using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Security;
using K8sAgentPlatform.Orchestrator.Safety;
using MassTransit;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Orchestrator.StateMachines;

/// <summary>
/// The request saga of DESIGN §2: parse, validate every operation, wait for a human where policy says so,
/// run the operations one at a time (each re-validated right before it runs), and on any failure roll back
/// what was applied, newest first. Every transition is written to the audit log with its principal.
/// Final instances are kept (never finalized away) so the API can show them.
/// </summary>
public sealed class RequestStateMachine : MassTransitStateMachine<RequestState>
{
    public const string System = "system";

    private readonly TimeProvider time;
    private readonly OrchestratorOptions options;
    private readonly AuthorizationSigner signer;
    private readonly EmergencyStop emergencyStop;

    public RequestStateMachine(TimeProvider time, IOptions<OrchestratorOptions> options, AuthorizationSigner signer, EmergencyStop emergencyStop)
    {
        this.emergencyStop = emergencyStop;
        this.time = time;
        this.options = options.Value;
        this.signer = signer;

        InstanceState(x => x.CurrentState);
        Event(() => Submitted, e => e.CorrelateById(m => m.Message.RequestId));
        Event(() => Parsed, e => Correlate(e, m => m.RequestId));
        Event(() => ParsingFailed, e => Correlate(e, m => m.RequestId));
        Event(() => Validated, e => Correlate(e, m => m.RequestId));
        Event(() => Confirmed, e => Correlate(e, m => m.RequestId));
        Event(() => RejectedByUser, e => Correlate(e, m => m.RequestId));
        Event(() => Cancel, e => Correlate(e, m => m.RequestId));
        Event(() => ConfirmationTimedOut, e => Correlate(e, m => m.RequestId));
        Event(() => Executed, e => Correlate(e, m => m.RequestId));
        Event(() => RollbackDone, e => Correlate(e, m => m.RequestId));
        Event(() => RollbackBroke, e => Correlate(e, m => m.RequestId));
        Event(() => StageTimedOut, e => Correlate(e, m => m.RequestId));
        Event(() => Resumed, e => Correlate(e, m => m.RequestId));
        Event(() => ParsingFaulted, e => Correlate(e, m => m.Message.RequestId));
        Event(() => ValidationFaulted, e => Correlate(e, m => m.Message.RequestId));
        Event(() => RevalidationFaulted, e => Correlate(e, m => m.Message.RequestId));
        Event(() => ExecutionFaulted, e => Correlate(e, m => m.Message.RequestId));
        Event(() => RollbackFaulted, e => Correlate(e, m => m.Message.RequestId));

        // Duplicates and late messages (at-least-once delivery) are expected; they change nothing.
        OnUnhandledEvent(context => context.Ignore());
        // A request held by the emergency stop goes on where it waited.
        DuringAny(When(Resumed, c => c.Saga.Held).ThenAsync(OnResumed));

        Initially(When(Submitted).ThenAsync(OnSubmitted));
        During(Parsing,
            When(Parsed).ThenAsync(OnParsed),
            When(ParsingFailed).ThenAsync(c => Finish(c, Failed, System, $"not understood: {c.Message.Reason}", c.Message.Errors)),
            When(ParsingFaulted).ThenAsync(c => Finish(c, Failed, System, ServiceFailed("intent", "parsing the request", c.Message), [Remedy("intent")])),
            When(StageTimedOut, c => IsDue(c.Saga, c.Message)).ThenAsync(c => Finish(c, Failed, System,
                $"the intent service did not parse the request within {this.options.ParseTimeout}", [Remedy("intent")])),
            When(Cancel).ThenAsync(c => Finish(c, Cancelled, c.Message.Principal, "cancelled before it ran")));
        During(Validating,
            When(Validated, c => !c.Message.PreExecution).ThenAsync(OnValidated),
            When(ValidationFaulted).ThenAsync(c => Finish(c, Failed, System, ServiceFailed("policy", "validating the operations", c.Message), [Remedy("policy")])),
            When(StageTimedOut, c => IsDue(c.Saga, c.Message)).ThenAsync(c => Finish(c, Failed, System,
                $"the policy service did not validate the operations within {this.options.ValidateTimeout}", [Remedy("policy")])),
            When(Cancel).ThenAsync(c => Finish(c, Cancelled, c.Message.Principal, "cancelled before it ran")));
        During(AwaitingConfirmation,
            When(Confirmed).ThenAsync(OnConfirmed),
            When(RejectedByUser).ThenAsync(c => Finish(c, Rejected, c.Message.Principal, $"rejected by {c.Message.Principal}" + (c.Message.Reason is { } r ? $": {r}" : ""))),
            When(Cancel).ThenAsync(c => Finish(c, Cancelled, c.Message.Principal, "cancelled while waiting for confirmation")),
            When(ConfirmationTimedOut).ThenAsync(OnExpired));
        During(Executing,
            When(Validated, c => c.Message.PreExecution).ThenAsync(OnRevalidated),
            When(Executed).ThenAsync(OnExecuted),
            When(RevalidationFaulted, c => c.Message.Message.Index == c.Saga.NextIndex).ThenAsync(c =>
                Compensate(c, ServiceFailed("policy", $"checking operation {c.Message.Message.Index} again before it ran", c.Message), Remedy("policy"))),
            When(ExecutionFaulted, c => c.Message.Message.Index == c.Saga.NextIndex).ThenAsync(c =>
                Compensate(c, ServiceFailed("executor", $"running operation {c.Message.Message.Index}", c.Message) +
                    (c.Message.Message.Operation.OperationType.IsMutating() ? "; whether it changed the object is unknown: check it" : ""), Remedy("executor"))),
            When(StageTimedOut, c => IsDue(c.Saga, c.Message)).ThenAsync(c =>
                Compensate(c, $"operation {c.Saga.NextIndex} did not report a result within {this.options.ExecuteTimeout} (it may still be running: check the object)",
                    Remedy("executor"))),
            When(Cancel).Then(c => c.Saga.CancelRequested = true).ThenAsync(c => Audit(c, "cancel-requested", c.Message.Principal, "cancelled; applied operations will be rolled back after the running one")));
        During(Compensating,
            When(RollbackDone).ThenAsync(OnRollbackCompleted),
            When(RollbackBroke).ThenAsync(c => Finish(c, CompensationFailed, System,
                $"rolling back operation {c.Message.OperationIndex} failed: {c.Message.Error}; a human must look")),
            When(RollbackFaulted).ThenAsync(c => Finish(c, CompensationFailed, System,
                ServiceFailed("rollback", $"rolling back operation {c.Message.Message.OperationIndex}", c.Message) + "; a human must look", [Remedy("rollback")])),
            When(StageTimedOut, c => IsDue(c.Saga, c.Message)).ThenAsync(c => Finish(c, CompensationFailed, System,
                $"rolling back operation {c.Saga.RollbackQueue.FirstOrDefault()} did not finish within {this.options.CompensateTimeout}; a human must look",
                [Remedy("rollback")])));
    }

    public State Parsing { get; private set; } = null!;
    public State Validating { get; private set; } = null!;
    public State AwaitingConfirmation { get; private set; } = null!;
    public State Executing { get; private set; } = null!;
    public State Compensating { get; private set; } = null!;
    public State Completed { get; private set; } = null!;
    public State Rejected { get; private set; } = null!;
    public State Expired { get; private set; } = null!;
    public State Cancelled { get; private set; } = null!;
    public State RolledBack { get; private set; } = null!;
    public State CompensationFailed { get; private set; } = null!;
    public State Failed { get; private set; } = null!;

    public Event<SubmitRequest> Submitted { get; private set; } = null!;
    public Event<IntentParsed> Parsed { get; private set; } = null!;
    public Event<IntentParsingFailed> ParsingFailed { get; private set; } = null!;
    public Event<OperationValidated> Validated { get; private set; } = null!;
    public Event<ConfirmRequest> Confirmed { get; private set; } = null!;
    public Event<RejectRequest> RejectedByUser { get; private set; } = null!;
    public Event<CancelRequest> Cancel { get; private set; } = null!;
    public Event<ConfirmationExpired> ConfirmationTimedOut { get; private set; } = null!;
    public Event<OperationExecuted> Executed { get; private set; } = null!;
    public Event<RollbackCompleted> RollbackDone { get; private set; } = null!;
    public Event<RollbackFailed> RollbackBroke { get; private set; } = null!;
    public Event<DeadlinePassed> StageTimedOut { get; private set; } = null!;
    public Event<ResumeRequest> Resumed { get; private set; } = null!;
    public Event<Fault<RequestSubmitted>> ParsingFaulted { get; private set; } = null!;
    public Event<Fault<ValidateOperations>> ValidationFaulted { get; private set; } = null!;
    public Event<Fault<RevalidateOperation>> RevalidationFaulted { get; private set; } = null!;
    public Event<Fault<ExecuteOperation>> ExecutionFaulted { get; private set; } = null!;
    public Event<Fault<RollbackRequested>> RollbackFaulted { get; private set; } = null!;

    /// <summary>The states a request cannot leave (defined once, in the contracts).</summary>
    public static IReadOnlySet<string> FinalStates => RequestStates.Final;

    private static void Correlate<T>(IEventCorrelationConfigurator<RequestState, T> e, Func<T, Guid> id) where T : class
    {
        e.CorrelateById(c => id(c.Message));
        e.OnMissingInstance(m => m.Discard()); // a message for an unknown request is someone else's
    }

    private async Task OnSubmitted(BehaviorContext<RequestState, SubmitRequest> c)
    {
        var m = c.Message;
        var now = time.GetUtcNow();
        c.Saga.Principal = m.Principal;
        c.Saga.OnBehalfOf = m.OnBehalfOf;
        c.Saga.Source = m.Source;
        c.Saga.Text = m.Text;
        c.Saga.DryRun = m.DryRun;
        c.Saga.SubmittedAt = m.SubmittedAt == default ? now : m.SubmittedAt;
        await c.Publish(new RequestSubmitted
        {
            RequestId = m.RequestId,
            Text = m.Text,
            Intent = m.Intent,
            DryRun = m.DryRun,
            Principal = m.Principal,
            SubmittedAt = c.Saga.SubmittedAt,
        });
        c.Saga.Deadline = now + options.ParseTimeout;
        await MoveTo(c, Parsing, m.Principal, (m.Intent is null ? $"submitted from {m.Source} as text" : $"submitted from {m.Source} with an intent")
            + (m.OnBehalfOf is { } onBehalfOf ? $", on behalf of {onBehalfOf}" : ""));
    }

    private async Task OnParsed(BehaviorContext<RequestState, IntentParsed> c)
    {
        // Secret values the request carries (a Secret's update_config value, a manifest's Secret data) are stored
        // masked wherever people read them: the text, the intent's original request and summary, the audit detail.
        // The operations keep them: they are what will run.
        var secrets = Api.SecretRedactor.For(c.Message.Intent);
        c.Saga.Text = secrets.Redact(c.Saga.Text);
        c.Saga.IntentJson = IntentJson.Serialize(secrets.HasSecrets
            ? c.Message.Intent with
            {
                // The mask can be longer than a short value; the stored intent must still read back within its bounds.
                OriginalRequest = Fit(secrets.Redact(c.Message.Intent.OriginalRequest)!, Bounds.MaxOriginalRequest),
                Summary = Fit(secrets.Redact(c.Message.Intent.Summary)!, Bounds.MaxSummary),
            }
            : c.Message.Intent);
        c.Saga.Parser = c.Message.Parser;
        c.Saga.OperationCount = c.Message.Intent.Operations.Count;
        c.Saga.ModelRiskLevel = WireNames.Of(c.Message.Intent.EstimatedRiskLevel);
        c.Saga.Deadline = time.GetUtcNow() + options.ValidateTimeout;
        await Send(c, Endpoints.Policy, new ValidateOperations { RequestId = c.Saga.CorrelationId, Intent = c.Message.Intent });
        await MoveTo(c, Validating, System, $"parsed by {c.Message.Parser}: {secrets.Redact(c.Message.Intent.Summary)}");
    }

    private static string Fit(string text, int max) => text.Length <= max ? text : text[..max];

    private async Task OnValidated(BehaviorContext<RequestState, OperationValidated> c)
    {
        Upsert(c.Saga.Verdicts, c.Message, v => v.Index);
        await DecideWhenAllVerdictsAreIn(c);
    }

    private async Task DecideWhenAllVerdictsAreIn(BehaviorContext<RequestState, OperationValidated> c)
    {
        if (c.Saga.Verdicts.Count < Math.Max(1, c.Saga.OperationCount))
        {
            return;
        }

        var rejected = c.Saga.Verdicts.Where(v => !v.Approved).ToList();
        if (rejected.Count > 0)
        {
            await Finish(c, Rejected, System, "rejected by policy",
                rejected.SelectMany(v => v.Reasons.Select(r => $"operation {v.Index}: {r}")).ToList());
            return;
        }

        if (c.Saga.DryRun)
        {
            await Finish(c, Completed, System, "dry run: every operation was approved; nothing was executed");
            return;
        }

        if (c.Saga.Verdicts.Any(v => v.RequiresConfirmation))
        {
            await AskForConfirmation(c, "policy requires confirmation");
            return;
        }

        await Audit(c, "approved", System, "every operation approved; no confirmation needed");
        await RunNext(c);
    }

    private async Task OnConfirmed(BehaviorContext<RequestState, ConfirmRequest> c)
    {
        if (c.Message.Round != c.Saga.ConfirmationRound || !string.Equals(c.Message.VerdictsHash, c.Saga.VerdictsHash, StringComparison.Ordinal))
        {
            // A retried or redelivered confirm of an earlier round, or of verdicts that changed since: it approves
            // something this round does not ask about.
            await Audit(c, "confirmation-refused", c.Message.Principal,
                $"the confirmation was for round {c.Message.Round}; the request waits in round {c.Saga.ConfirmationRound} with other verdicts", "refused");
            return;
        }

        if (c.Saga.RequiresSecondPerson() && c.Saga.IsRequester(c.Message.Principal))
        {
            // The API refuses this first; the saga refuses it again for publishers that bypass the API.
            await Audit(c, "confirmation-refused", c.Message.Principal, "policy requires a second person: the requester cannot confirm it", "refused");
            return;
        }

        c.Saga.ConfirmedBy.Add(c.Message.Principal);
        c.Saga.ConfirmationDeadline = null;
        c.Saga.Deadline = null;
        await Audit(c, "confirmed", c.Message.Principal, $"confirmed by {c.Message.Principal}");
        await RunNext(c);
    }

    private async Task OnResumed(BehaviorContext<RequestState, ResumeRequest> c)
    {
        if (emergencyStop.IsStopped)
        {
            return; // stopped again before this request's turn came
        }

        c.Saga.Held = false;
        await Audit(c, "resumed", c.Message.Principal, $"the emergency stop was lifted by {c.Message.Principal}; operation {c.Saga.NextIndex} starts");
        await RunNext(c);
    }

    private async Task OnExpired(BehaviorContext<RequestState, ConfirmationExpired> c)
    {
        if (c.Saga.ConfirmationDeadline is not { } deadline || deadline > time.GetUtcNow())
        {
            return; // a sweep that raced a confirmation or a new deadline
        }

        await Finish(c, Expired, System, $"nobody confirmed it before {deadline:u}");
    }

    /// <summary>Starts the next operation: read-only ones run at once; changes are re-validated first.</summary>
    private async Task RunNext<T>(BehaviorContext<RequestState, T> c) where T : class
    {
        if (c.Saga.CancelRequested)
        {
            await Compensate(c, "cancelled");
            return;
        }

        if (c.Saga.NextIndex >= c.Saga.OperationCount)
        {
            await Finish(c, Completed, System, c.Saga.OperationCount == 1 ? "the operation completed" : $"all {c.Saga.OperationCount} operations completed");
            return;
        }

        if (emergencyStop.IsStopped)
        {
            // Nothing starts while stopped; no deadline runs out on a request that waits for the resume.
            c.Saga.Held = true;
            c.Saga.Deadline = null;
            var stop = emergencyStop.State;
            await Audit(c, "held", System, $"the platform is stopped (by {stop.By}: {stop.Reason ?? "no reason given"}); operation {c.Saga.NextIndex} starts after the resume");
            return;
        }

        var intent = IntentJson.Parse(c.Saga.IntentJson!);
        var operation = intent.Operations[c.Saga.NextIndex];
        if (c.Saga.CurrentState != nameof(Executing))
        {
            await MoveTo(c, Executing, System, $"running {c.Saga.OperationCount} operation(s)");
        }

        c.Saga.Deadline = time.GetUtcNow() + options.ExecuteTimeout;
        if (!operation.OperationType.IsMutating())
        {
            await Send(c, Endpoints.Executor, new ExecuteOperation
            {
                RequestId = c.Saga.CorrelationId,
                Index = c.Saga.NextIndex,
                Operation = operation,
                Authorization = AuthorizeExecution(c.Saga, c.Saga.NextIndex, operation, null),
            });
            return;
        }

        await Send(c, Endpoints.Policy, new RevalidateOperation
        {
            RequestId = c.Saga.CorrelationId,
            Index = c.Saga.NextIndex,
            Count = c.Saga.OperationCount,
            Operation = operation,
            ModelRiskLevel = intent.EstimatedRiskLevel,
        });
    }

    private async Task OnRevalidated(BehaviorContext<RequestState, OperationValidated> c)
    {
        var fresh = c.Message;
        if (fresh.Index != c.Saga.NextIndex)
        {
            return;
        }

        var approved = c.Saga.Verdicts.Single(v => v.Index == fresh.Index);
        Upsert(c.Saga.Verdicts, fresh, v => v.Index);
        if (!fresh.Approved)
        {
            c.Saga.Reasons.AddRange(fresh.Reasons.Select(r => $"operation {fresh.Index}: {r}"));
            await Compensate(c, $"operation {fresh.Index} was rejected when checked again right before it ran");
            return;
        }

        var changed = approved.ResourceVersion is not null && fresh.ResourceVersion is not null && approved.ResourceVersion != fresh.ResourceVersion;
        // What was confirmed is the diff the dry run showed; another diff is a change nobody approved.
        var diffChanged = approved.RequiresConfirmation && !approved.Diff.SequenceEqual(fresh.Diff);
        var riskRose = fresh.PolicyRiskLevel > approved.PolicyRiskLevel && (fresh.RequiresConfirmation || approved.RequiresConfirmation);
        // A second person newly required counts only when nobody but the requester has confirmed so far.
        var secondPersonMissing = fresh.RequiresSecondPerson && !c.Saga.ConfirmedBy.Any(p => !string.Equals(p, c.Saga.Principal, StringComparison.Ordinal));
        if (changed || diffChanged || fresh.RequiresConfirmation && !approved.RequiresConfirmation || secondPersonMissing || riskRose)
        {
            c.Saga.ConfirmedBy.Clear();
            await AskForConfirmation(c, changed
                ? $"the object of operation {fresh.Index} changed since it was approved (resourceVersion {approved.ResourceVersion} -> {fresh.ResourceVersion}); confirm again"
                : diffChanged
                    ? $"the dry run of operation {fresh.Index} shows another change than the one confirmed (fields: {DifferingPaths(approved.Diff, fresh.Diff)}); confirm again"
                : riskRose
                    ? $"the risk of operation {fresh.Index} rose from {WireNames.Of(approved.PolicyRiskLevel)} to {WireNames.Of(fresh.PolicyRiskLevel)} when checked again; confirm again"
                : fresh.RequiresConfirmation && !approved.RequiresConfirmation
                    ? $"operation {fresh.Index} now needs confirmation"
                    : $"operation {fresh.Index} now needs a second person: someone other than {c.Saga.Principal} must confirm");
            return;
        }

        var operation = IntentJson.Parse(c.Saga.IntentJson!).Operations[fresh.Index];
        await Send(c, Endpoints.Executor, new ExecuteOperation
        {
            RequestId = c.Saga.CorrelationId,
            Index = fresh.Index,
            Operation = operation,
            ExpectedResourceVersion = fresh.ResourceVersion,
            Authorization = AuthorizeExecution(c.Saga, fresh.Index, operation, fresh.ResourceVersion),
        });
    }

    /// <summary>The paths whose change differs between two diffs, a few at most; paths only, so no value reaches the audit log.</summary>
    private static string DifferingPaths(IReadOnlyList<FieldChange> confirmed, IReadOnlyList<FieldChange> fresh)
    {
        var paths = confirmed.Except(fresh).Concat(fresh.Except(confirmed)).Select(c => c.Path).Distinct(StringComparer.Ordinal).ToList();
        return string.Join(", ", paths.Take(5)) + (paths.Count > 5 ? $" and {paths.Count - 5} more" : "");
    }

    private async Task OnExecuted(BehaviorContext<RequestState, OperationExecuted> c)
    {
        var result = c.Message;
        if (result.Index != c.Saga.NextIndex)
        {
            return; // a redelivered result of an operation already handled
        }

        Upsert(c.Saga.Results, result, r => r.Index);
        if (result.SnapshotId is not null && !c.Saga.Applied.Contains(result.Index))
        {
            c.Saga.Applied.Add(result.Index); // applied, even if verification then failed: it must be undone
        }

        if (!result.Success)
        {
            c.Saga.Reasons.Add($"operation {result.Index}: {result.Error}");
            c.Saga.Reasons.AddRange(result.Evidence.Select(e => $"operation {result.Index}: {e}"));
            await Audit(c, "operation-failed", System, $"operation {result.Index} failed: {result.Error}", "failed");
            await Compensate(c, $"operation {result.Index} failed: {result.Error}");
            return;
        }

        // A rollback names the snapshot it put back, not only the one it took of the state it overwrote.
        var restored = IntentJson.Parse(c.Saga.IntentJson!).Operations[result.Index].Parameters is RollbackParameters { SnapshotId: { } from }
            ? $"; it restored snapshot {from}" : "";
        await Audit(c, "operation-executed", System, $"operation {result.Index} succeeded" + (result.SnapshotId is { } s ? $" (snapshot {s})" : "") + restored);
        c.Saga.NextIndex++;
        await RunNext(c);
    }

    /// <summary>Rolls back every applied operation, newest first; with none applied the request just ends.</summary>
    private async Task Compensate<T>(BehaviorContext<RequestState, T> c, string why, string? remedy = null) where T : class
    {
        c.Saga.RollbackQueue = Enumerable.Reverse(c.Saga.Applied).ToList();
        if (c.Saga.RollbackQueue.Count == 0)
        {
            await Finish(c, c.Saga.CancelRequested ? Cancelled : Failed, System, why, remedy is null ? null : [remedy]);
            return;
        }

        if (remedy is not null)
        {
            c.Saga.Reasons.Add(remedy);
        }

        c.Saga.Outcome = why;
        await MoveTo(c, Compensating, System, $"{why}; rolling back {c.Saga.RollbackQueue.Count} applied operation(s), newest first");
        await RequestRollback(c);
    }

    private async Task RequestRollback<T>(BehaviorContext<RequestState, T> c) where T : class
    {
        var index = c.Saga.RollbackQueue[0];
        var snapshot = c.Saga.Results.Single(r => r.Index == index).SnapshotId;
        c.Saga.Deadline = time.GetUtcNow() + options.CompensateTimeout;
        var restore = new RollbackRequested
        {
            RequestId = c.Saga.CorrelationId,
            SnapshotId = snapshot,
            OperationIndex = index,
            Reason = c.Saga.Outcome ?? "compensation",
            Principal = System,
        };
        await Send(c, Endpoints.Rollback, restore with
        {
            Authorization = signer.Sign(c.Saga.CorrelationId, index, AuthorizationSubjects.Rollback, AuthorizationCanonical.RestoreHash(restore), null,
                VerdictsHash.Of(c.Saga.Verdicts), c.Saga.ConfirmedBy),
        });
    }

    private async Task OnRollbackCompleted(BehaviorContext<RequestState, RollbackCompleted> c)
    {
        if (c.Saga.RollbackQueue.Count == 0 || c.Message.OperationIndex != c.Saga.RollbackQueue[0])
        {
            return;
        }

        c.Saga.RollbackQueue.RemoveAt(0);
        c.Saga.Rollbacks.Add(c.Message);
        await Audit(c, "rolled-back", System, $"operation {c.Message.OperationIndex} rolled back: {c.Message.Message}");
        if (c.Saga.RollbackQueue.Count > 0)
        {
            await RequestRollback(c);
            return;
        }

        await Finish(c, c.Saga.CancelRequested ? Cancelled : RolledBack, System,
            $"{c.Saga.Outcome}; every applied operation was rolled back");
    }

    private async Task AskForConfirmation<T>(BehaviorContext<RequestState, T> c, string why) where T : class
    {
        var deadline = time.GetUtcNow() + options.ConfirmationTimeout;
        c.Saga.ConfirmationDeadline = deadline;
        c.Saga.Deadline = deadline;
        c.Saga.ConfirmationRound++;
        c.Saga.VerdictsHash = VerdictsHash.Of(c.Saga.Verdicts);
        await c.Publish(new ConfirmationRequested
        {
            RequestId = c.Saga.CorrelationId,
            OperationIndexes = c.Saga.Verdicts.Where(v => v.RequiresConfirmation || v.Index >= c.Saga.NextIndex).Select(v => v.Index).Distinct().ToList(),
            RequestedBy = c.Saga.Principal,
            ExpiresAt = deadline,
            Round = c.Saga.ConfirmationRound,
            VerdictsHash = c.Saga.VerdictsHash,
        });
        await MoveTo(c, AwaitingConfirmation, System, $"{why}; round {c.Saga.ConfirmationRound}, waiting until {deadline:u}");
    }

    private async Task Finish<T>(BehaviorContext<RequestState, T> c, State state, string principal, string outcome, IReadOnlyList<string>? reasons = null)
        where T : class
    {
        c.Saga.Outcome = outcome;
        c.Saga.ConfirmationDeadline = null;
        c.Saga.Deadline = null;
        c.Saga.Held = false;
        if (reasons is not null)
        {
            c.Saga.Reasons.AddRange(reasons);
        }

        await MoveTo(c, state, principal, outcome);
        // Held in the outbox with every other message of this step: published only once the final state is saved.
        await c.Publish(new RequestFinished
        {
            RequestId = c.Saga.CorrelationId,
            FinalState = state.Name,
            Outcome = outcome,
            Reasons = c.Saga.Reasons.ToList(),
            Results = c.Saga.Results.ToList(),
            Principal = c.Saga.Principal,
            Source = c.Saga.Source,
            FinishedAt = c.Saga.UpdatedAt,
        });
    }

    /// <summary>The signed permission for exactly this operation, bound to the verdicts it was approved on and who confirmed it.</summary>
    private OperationAuthorization AuthorizeExecution(RequestState saga, int index, KubernetesOperation operation, string? resourceVersion) =>
        signer.Sign(saga.CorrelationId, index, AuthorizationSubjects.Execute, AuthorizationCanonical.OperationHash(operation), resourceVersion,
            VerdictsHash.Of(saga.Verdicts), saga.ConfirmedBy);

    /// <summary>Commands go to the one service that owns them, never to whoever subscribes.</summary>
    private static async Task Send<TMessage, TCommand>(BehaviorContext<RequestState, TMessage> c, string queue, TCommand command)
        where TMessage : class where TCommand : class
    {
        var endpoint = await c.GetSendEndpoint(Endpoints.Queue(queue));
        await endpoint.Send(command, c.CancellationToken);
    }

    /// <summary>A deadline event counts only for the state it was raised in and once the deadline has really passed.</summary>
    private bool IsDue(RequestState saga, DeadlinePassed passed) =>
        saga.CurrentState == passed.State && saga.Deadline is { } deadline && deadline <= time.GetUtcNow();

    private static string ServiceFailed<T>(string service, string doing, Fault<T> fault) where T : class
    {
        var error = fault.Exceptions.FirstOrDefault() is { } e ? $"{ShortType(e.ExceptionType)}: {e.Message}" : "an unknown error";
        return $"the {service} service failed {doing}: {error}";
    }

    private static string ShortType(string exceptionType) => exceptionType[(exceptionType.LastIndexOf('.') + 1)..];

    /// <summary>What a person can do about a service that failed or did not answer.</summary>
    private static string Remedy(string service) =>
        $"what to do: check that the {service} service runs and can reach what it needs (its log names the error; the message waits in its _error queue), then submit the request again";

    private async Task MoveTo<T>(BehaviorContext<RequestState, T> c, State state, string principal, string detail) where T : class
    {
        var from = c.Saga.CurrentState;
        await c.TransitionToState(state);
        c.Saga.UpdatedAt = time.GetUtcNow();
        await Audit(c, $"{(string.IsNullOrEmpty(from) ? "Initial" : from)} -> {state.Name}", principal, detail, state.Name);
    }

    /// <summary>Queues an audit entry; the saga repository appends it after the state is saved (see RequestState.PendingAudit).</summary>
    private static Task Audit<T>(BehaviorContext<RequestState, T> c, string action, string principal, string detail, string? outcome = null) where T : class
    {
        c.Saga.PendingAudit.Add(new AuditRecord(action, principal, c.Saga.CorrelationId, detail, outcome));
        return Task.CompletedTask;
    }

    private static void Upsert<T>(List<T> list, T item, Func<T, int> index)
    {
        list.RemoveAll(x => index(x) == index(item));
        list.Add(item);
        list.Sort((a, b) => index(a).CompareTo(index(b)));
    }
}
