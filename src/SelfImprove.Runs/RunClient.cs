using System.Text.Json;
using SelfImprove.Core;
using System.Text.RegularExpressions;
using Microsoft.DurableTask.Client;
using SelfImprove.Core.Runs;
using SelfImprove.Steps;
using SelfImprove.Workflows;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Monitoring;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Runs;

/// <summary>An improvement run as a host sees it: its orchestration's state, progress and, once ended, its report.</summary>
/// <param name="RunId">The run id, also the orchestration's instance id (<c>{agentId}-{n}</c>).</param>
/// <param name="AgentId">The agent, from the run's input.</param>
/// <param name="RuntimeStatus">
/// The durable runtime status (Pending, Running, Completed, Failed, Terminated, Suspended); Running for a run the backend
/// still calls Pending although it has progress (see <see cref="RunClient.GetAsync"/>).
/// </param>
/// <param name="Progress">The run's custom status: the phase log so far and what it waits for; null before its first phase.</param>
/// <param name="Report">The report once the run completed.</param>
/// <param name="Failure">Why the orchestration failed or was terminated, when it was.</param>
public sealed record RunSnapshot(
    string RunId, string? AgentId, OrchestrationRuntimeStatus RuntimeStatus, DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt,
    RunProgress? Progress, ImprovementReport? Report, string? Failure)
{
    /// <summary>Completed, failed or terminated: nothing more will happen to the run.</summary>
    public bool IsEnded => RunClient.IsEnded(RuntimeStatus);

    /// <summary>Running and waiting for a person's approval decision.</summary>
    public bool WaitingForApproval => Progress?.WaitingForApproval == true && RuntimeStatus == OrchestrationRuntimeStatus.Running;

    /// <summary>Running and waiting for people to label the requests its current attempt queued.</summary>
    public bool WaitingForLabels => Progress?.WaitingForLabels == true && RuntimeStatus == OrchestrationRuntimeStatus.Running;

    /// <summary>Running and waiting for people's demonstrations.</summary>
    public bool WaitingForDemonstrations => Progress?.WaitingForDemonstrations == true && RuntimeStatus == OrchestrationRuntimeStatus.Running;

    /// <summary>The candidate the run works on (or ended with).</summary>
    public string? CandidateVersion => Report?.CandidateVersion ?? Progress?.CandidateVersionId;

    /// <summary>The phase log so far.</summary>
    public IReadOnlyList<PhaseEntry> Log => Progress?.Log ?? [];

    /// <summary>
    /// The version of the run orchestrator the run started on and replays on to its end (1, 2, …; see
    /// <see cref="RunOrchestrations"/>), whatever version the host now starts new runs on.
    /// </summary>
    public int OrchestrationVersion { get; init; } = 1;
}

/// <summary>
/// The one way every host (the HTTP API, the Functions app, <c>serve</c>, the demo and the tests) starts, reads,
/// decides and ends improvement runs, over that host's durable client. The side effects that belong to a run's
/// lifecycle live here and nowhere else: ending a terminated run's trial and releasing its agent, recording an approval
/// decision once before raising its event, storing demonstrations before their event.
/// </summary>
public sealed partial class RunClient
{
    private static readonly TimeSpan TerminationWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly IRunLedger ledger;
    private readonly ApprovalTokens tokens;
    private readonly DemonstrationIntake intake;
    private readonly IDeploymentStep deployment;
    private readonly ServingRollback rollback;
    private readonly AgentCatalog agents;
    private readonly IRunEvents events;
    private readonly TimeProvider clock;
    private readonly TimeSpan redeliveryGrace;
    private readonly LabellingQueue labelling;

    /// <summary>Built by <see cref="RunClientFactory"/> (the Functions app has a durable client per invocation).</summary>
    internal RunClient(
        DurableTaskClient client, RunStarter starter, IRunLedger ledger, ApprovalTokens tokens, DemonstrationIntake intake, IDeploymentStep deployment,
        ServingRollback rollback, AgentCatalog agents, IRunEvents events, TimeProvider clock, TimeSpan redeliveryGrace, LabellingQueue labelling)
    {
        this.rollback = rollback;
        this.labelling = labelling;
        this.events = events;
        this.clock = clock;
        this.redeliveryGrace = redeliveryGrace;
        Durable = client;
        Starter = starter;
        this.ledger = ledger;
        this.tokens = tokens;
        this.intake = intake;
        this.deployment = deployment;
        this.agents = agents;
    }

    /// <summary>The host's durable client.</summary>
    public DurableTaskClient Durable { get; }

    /// <summary>Starts runs one per agent (the lock first, then the orchestration).</summary>
    public RunStarter Starter { get; }

    /// <summary>Completed, failed or terminated.</summary>
    public static bool IsEnded(OrchestrationRuntimeStatus status) =>
        status is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated;

    /// <summary>Starts a run unless the agent has one in progress (then <see cref="RunStartResult.Started"/> is false and names it).</summary>
    /// <exception cref="KeyNotFoundException">The agent is not registered.</exception>
    public Task<RunStartResult> StartAsync(RunStartRequest request, CancellationToken cancellationToken = default) => Starter.StartAsync(request, cancellationToken);

    /// <summary>The run holding the agent, after releasing the lock of one that ended without closing; null when the agent is free.</summary>
    public Task<string?> RunningAsync(string agentId, CancellationToken cancellationToken = default) => Starter.RunningAsync(agentId, cancellationToken);

    /// <summary>
    /// Rolls the agent's serving version back to the version it was trained from, holding the agent's run lock meanwhile
    /// (after releasing the lock of a run that ended without closing), so it never interleaves with a run start: while a
    /// run holds the agent the rollback is refused (<see cref="RollbackOutcome.Busy"/>), and a start during the rollback
    /// is refused too.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The agent is not registered.</exception>
    public async Task<RollbackResult> RollbackAsync(string agentId, CancellationToken cancellationToken = default)
    {
        await Starter.RunningAsync(agentId, cancellationToken);
        return await rollback.RollbackAsync(agentId, cancellationToken: cancellationToken);
    }

    /// <summary>The run, or null when no improvement run has that id (monitoring checks are not runs; malformed ids are none).</summary>
    public async Task<RunSnapshot?> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        if (!RunIdPattern().IsMatch(runId)) return null;
        var state = await Durable.GetInstanceAsync(runId, getInputsAndOutputs: true, cancellationToken);
        if (state is null || RunOrchestrations.VersionOf(state.Name) is not { } version) return null;
        var progress = state.SerializedCustomStatus is { Length: > 0 } custom ? JsonSerializer.Deserialize<RunProgress>(custom, JsonSerializerOptions.Web) : null;
        // Only the run's orchestrator writes progress, so a run with progress has started. The Azure Storage provider marks an
        // instance Running only in the commit that saves its start; a process killed between saving that history and the
        // status leaves it Pending for the rest of the run, although the run goes on (on another or the restarted process).
        var runtimeStatus = state.RuntimeStatus == OrchestrationRuntimeStatus.Pending && progress is not null
            ? OrchestrationRuntimeStatus.Running
            : state.RuntimeStatus;
        var input = state.SerializedInput is { Length: > 0 } ? state.ReadInputAs<RunInput>() : null;
        var report = state.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? state.ReadOutputAs<ImprovementReport>() : null;
        // The Azure Storage provider leaves FailureDetails empty and puts the text in the output.
        var failure = state.RuntimeStatus is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated
            ? state.FailureDetails?.ErrorMessage ?? state.SerializedOutput
            : null;
        return new RunSnapshot(state.InstanceId, input?.AgentId, runtimeStatus, state.CreatedAt, state.LastUpdatedAt, progress, report, failure)
        {
            OrchestrationVersion = version,
        };
    }

    /// <summary>
    /// Terminates a run that has not ended, waits briefly for it to stop, then does what the run itself no longer
    /// can: ends its trial (the serving version stays) and releases its agent. The termination is recorded first, so the
    /// model versions the run registered, and one its training registers after this, are marked abandoned. Safe to repeat.
    /// </summary>
    public async Task<RunCommandResult> TerminateAsync(string runId, string reason, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(runId, cancellationToken) is not { } run) return UnknownRun(runId);
        if (run.IsEnded) return new(RunCommandOutcome.WrongState, $"Run {runId} ended {run.RuntimeStatus}; nothing to terminate.", run);

        await Durable.TerminateInstanceAsync(runId, reason, cancellationToken);
        if (run.AgentId is { } terminatedAgent) await ledger.RecordTerminatedAsync(terminatedAgent, runId, reason, cancellationToken);
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            wait.CancelAfter(TerminationWait);
            try { await Durable.WaitForInstanceCompletionAsync(runId, wait.Token); }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { } // Still ending: the next start or check releases the lock (RunStarter).
        }
        if (run.AgentId is { } agentId)
        {
            if (run.CandidateVersion is { } candidate) await deployment.RollbackAsync(runId, agentId, candidate, cancellationToken);
            if ((await GetAsync(runId, cancellationToken))?.RuntimeStatus == OrchestrationRuntimeStatus.Terminated)
                await ledger.ReleaseAsync(agentId, runId, cancellationToken);
        }
        return new(RunCommandOutcome.Done, $"Run {runId} terminated: {reason}.", await GetAsync(runId, cancellationToken) ?? run);
    }

    /// <summary>Deletes an ended run's orchestration history (its report and artefacts stay in the store).</summary>
    public async Task<RunCommandResult> PurgeAsync(string runId, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(runId, cancellationToken) is not { } run) return UnknownRun(runId);
        if (!run.IsEnded) return new(RunCommandOutcome.WrongState, $"Run {runId} is {run.RuntimeStatus}; terminate it before purging its history.", run);
        var purged = await Durable.PurgeInstanceAsync(runId, cancellation: cancellationToken);
        return new(RunCommandOutcome.Done, $"Run {runId}: {purged.PurgedInstanceCount} instance(s) purged.", run) { Purged = purged.PurgedInstanceCount };
    }

    /// <summary>
    /// Raises a custom event on a run that has not ended. Approval and demonstrations are refused here: they go
    /// through <see cref="DecideAsync"/> and <see cref="DemonstrateAsync"/>, which check and record them first.
    /// </summary>
    public async Task<RunCommandResult> RaiseEventAsync(string runId, string eventName, object? body, CancellationToken cancellationToken = default)
    {
        if (ReservedEvent(runId, eventName) is { } route) return new(RunCommandOutcome.ReservedEvent, route.Detail);
        if (await GetAsync(runId, cancellationToken) is not { } run) return UnknownRun(runId);
        if (run.IsEnded) return new(RunCommandOutcome.WrongState, $"Run {runId} ended {run.RuntimeStatus}; it waits for no events.", run);
        await events.RaiseAsync(Durable, runId, eventName, body, cancellationToken);
        return new(RunCommandOutcome.Done, $"Event '{eventName}' raised on run {runId}.", run);
    }

    /// <summary>For the approval and demonstrations events, which only their own routes raise: where to send them instead; else null.</summary>
    public static (string Title, string Detail)? ReservedEvent(string runId, string eventName)
    {
        if (string.Equals(eventName, RunEvents.Approval, StringComparison.OrdinalIgnoreCase))
            return ("Use the approval webhook", $"Approval decisions need the run's token: POST /api/runs/{runId}/approval?token=<token from the approval link>.");
        if (string.Equals(eventName, RunEvents.Labelled, StringComparison.OrdinalIgnoreCase))
            return ("Use the labelling route",
                $"Labels are recorded per queued request first: POST /api/agents/{{agentId}}/labelling/{{itemId}} with {{ \"label\", \"by\" }}; the run is told when its attempt's requests are all labelled.");
        if (string.Equals(eventName, RunEvents.Demonstrations, StringComparison.OrdinalIgnoreCase))
            return ("Use the demonstrations route",
                $"Demonstrated samples are checked and stored first: POST /api/runs/{runId}/demonstrations with {{ \"by\", \"samples\": [{{ \"text\", \"label\" }}] }}.");
        return null;
    }

    /// <summary>
    /// Whether <paramref name="token"/> opens the approval of <paramref name="runId"/>, before anything else about the
    /// request is looked at: <see cref="ApprovalTokenCheck.Unknown"/> alike for a wrong token and for a run that does not
    /// exist, so the answer says nothing about which runs exist.
    /// </summary>
    public async Task<ApprovalTokenCheck> CheckTokenAsync(string runId, string? token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token) || await GetAsync(runId, cancellationToken) is null) return ApprovalTokenCheck.Unknown;
        return await tokens.CheckAsync(runId, token, cancellationToken);
    }

    /// <summary>
    /// Takes a person's decision on a run that waits for approval (the webhook, the approval page, the demo, the
    /// tests: all through here). Order matters: the token is checked before anything is said about the run's
    /// decision, and the decision is recorded (create-if-absent) before the event is raised, so only one decision ever
    /// counts. Only the request that recorded the decision raises its event, once, and then records the delivery
    /// (create-if-absent <c>runs/{runId}/approval/delivered.json</c>); every other request is answered
    /// <see cref="ApprovalOutcome.AlreadyDecided"/> and raises nothing.
    /// <para>
    /// If the recording request died before raising (the host crashed in between, or the raise failed), a later request
    /// with a valid token sends the recorded decision, not its own, but only once the decision is older than
    /// <see cref="LoopOptions.ApprovalRedeliveryGrace"/> and no delivery is recorded, and only after claiming the
    /// redelivery with that same create-if-absent record, so at most one request redelivers. Without such a request the
    /// approval timeout still finds the decision (<c>CloseApprovalActivity</c>) and the run takes it. So a decision
    /// reaches the run once; twice only after a double fault: the raise went out, the host died before recording it,
    /// and another request came after the grace period (or a raise took longer than the grace period). The run takes
    /// the first event; a second stays unread in its history.
    /// </para>
    /// </summary>
    public async Task<ApprovalResult> DecideAsync(string runId, string? token, ApprovalDecision decision, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(runId, cancellationToken) is not { } run) return new(ApprovalOutcome.UnknownRun, $"No improvement run '{runId}' exists.");
        switch (await tokens.CheckAsync(runId, token, cancellationToken))
        {
            case ApprovalTokenCheck.Unknown:
                return new(ApprovalOutcome.InvalidToken, $"The token is not one issued for run {runId}. Use the link from the run's approval notification.");
            case ApprovalTokenCheck.Expired:
                return new(ApprovalOutcome.ExpiredToken, $"The approval window of run {runId} has closed; without a decision in time the run is rejected.");
        }

        // A valid token proves the run asked (it is issued only at the gate, after the run began waiting for the event),
        // and the decision record below makes it single use. The run's custom status can lag behind the request on a
        // durable backend, so it is not asked: a person answering the link at once must not be refused.
        var waiting = run.RuntimeStatus == OrchestrationRuntimeStatus.Running;
        if (await tokens.DecisionAsync(runId, cancellationToken) is { } earlier)
        {
            if (waiting && !earlier.TimedOut && clock.GetUtcNow() - earlier.DecidedAt >= redeliveryGrace
                && await tokens.MarkDeliveredAsync(runId, redelivery: true, cancellationToken))
                await events.RaiseAsync(Durable, runId, RunEvents.Approval, earlier.Decision, cancellationToken);
            return AlreadyDecided(runId, earlier);
        }
        if (!waiting) return new(ApprovalOutcome.NotWaiting, $"Run {runId} is {run.RuntimeStatus} and does not wait for a decision.");

        var (recorded, standing) = await tokens.RecordAsync(runId, token!, decision, cancellationToken);
        if (!recorded) return AlreadyDecided(runId, standing);
        await events.RaiseAsync(Durable, runId, RunEvents.Approval, decision, cancellationToken);
        await tokens.MarkDeliveredAsync(runId, redelivery: false, cancellationToken);
        return new(ApprovalOutcome.Accepted, $"Run {runId} {(decision.Approved ? "approved" : "rejected")} by {decision.By}.", standing);
    }

    /// <summary>
    /// Takes people's demonstrated samples for a run whose plan asked for them. The run must be waiting (its progress
    /// says <c>WaitingForDemonstrations</c>); the samples are checked (known labels, usable text) and stored under the
    /// run and its current attempt before the <see cref="RunEvents.Demonstrations"/> event carries their blob name, so
    /// nothing large goes through history.
    /// </summary>
    public async Task<DemonstrationResult> DemonstrateAsync(string runId, string by, IReadOnlyList<DemonstratedSample> samples, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(runId, cancellationToken) is not { } run) return new(DemonstrationOutcome.UnknownRun, $"No improvement run '{runId}' exists.");
        if (!run.WaitingForDemonstrations || run.AgentId is null)
            return new(DemonstrationOutcome.NotWaiting,
                $"Run {runId} is not waiting for demonstrations (it is {run.RuntimeStatus}, phase '{run.Progress?.Current.Phase.ToWire() ?? "none"}'): " +
                "a run waits only when its plan asks people and its manifest allows it (teacher.allowHumanDemonstrations), until teacher.demonstrationTimeout.");

        var attempt = run.Progress!.Current.Attempt;
        string blob;
        try
        {
            blob = await intake.StoreAsync(runId, run.AgentId, attempt, by, samples, cancellationToken);
        }
        catch (DemonstrationsRejectedException invalid)
        {
            return new(DemonstrationOutcome.Invalid, invalid.Message, Problems: invalid.Problems);
        }
        var received = new DemonstrationsReceived(attempt, by.Trim(), samples.Count, blob);
        await events.RaiseAsync(Durable, runId, RunEvents.Demonstrations, received, cancellationToken);
        return new(DemonstrationOutcome.Accepted, $"{samples.Count} samples from {received.By} for attempt {attempt} of run {runId}.", received);
    }

    /// <summary>The open items of the agent's labelling queue, oldest first, at most <paramref name="limit"/>.</summary>
    public Task<IReadOnlyList<LabellingItem>> OpenLabellingAsync(string agentId, int limit, CancellationToken cancellationToken = default) =>
        labelling.OpenAsync(agentId, limit, cancellationToken);

    /// <summary>
    /// Records a person's label for an item of the agent's labelling queue, once (<see cref="LabellingQueue.AnswerAsync"/>).
    /// When the answer leaves none of the requests the waiting run's current attempt queued open, the run is told
    /// (<see cref="RunEvents.Labelled"/>); a run that misses the event (a crash in between) goes on at its timeout with
    /// the same labels, which are in the store either way.
    /// </summary>
    public async Task<AnswerResult> LabelAsync(string agentId, string itemId, string label, string by, CancellationToken cancellationToken = default)
    {
        var result = await labelling.AnswerAsync(agentId, itemId, label, by, cancellationToken);
        if (result.Outcome is not AnswerOutcome.Recorded) return result;
        if (await ledger.RunningAsync(agentId, cancellationToken) is not { } running) return result;
        if (await GetAsync(running.RunId, cancellationToken) is not { WaitingForLabels: true } run) return result;
        var attempt = run.Progress!.Current.Attempt;
        var progress = await labelling.ProgressAsync(run.RunId, agentId, attempt, cancellationToken);
        if (progress.Done) await events.RaiseAsync(Durable, run.RunId, RunEvents.Labelled, new LabelsAnswered(attempt, progress.Answered), cancellationToken);
        return result;
    }

    /// <summary>Runs one monitoring check of the agent to its end: what it found and whether it started a run.</summary>
    /// <exception cref="InvalidOperationException">The check itself failed.</exception>
    public async Task<MonitorResult> CheckAsync(string agentId, bool manual = false, string? reason = null, CancellationToken cancellationToken = default)
    {
        var id = await Durable.ScheduleNewOrchestrationInstanceAsync(nameof(MonitorAgentOrchestrator), new MonitorInput(agentId, manual, reason), cancellationToken);
        var done = await Durable.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cancellationToken);
        return done.RuntimeStatus == OrchestrationRuntimeStatus.Completed
            ? done.ReadOutputAs<MonitorResult>()!
            : throw new InvalidOperationException($"Monitoring check of '{agentId}' ended {done.RuntimeStatus}: {done.FailureDetails?.ErrorMessage ?? done.SerializedOutput}");
    }

    /// <summary>
    /// Follows a run until it ends: reports each new phase, and calls <paramref name="onApproval"/> once when the run
    /// waits for approval and <paramref name="onDemonstrations"/> once per wait for demonstrations. Returns the report.
    /// </summary>
    /// <exception cref="InvalidOperationException">The run does not exist, failed or was terminated.</exception>
    public async Task<ImprovementReport> WatchAsync(
        string runId, Action<PhaseEntry>? onProgress = null, Func<RunSnapshot, Task>? onApproval = null,
        Func<RunSnapshot, Task>? onDemonstrations = null, CancellationToken cancellationToken = default)
    {
        var printed = 0;
        var approvalHandled = false;
        var demonstrationWaitHandled = -1;
        while (true)
        {
            var run = await GetAsync(runId, cancellationToken) ?? throw new InvalidOperationException($"Run '{runId}' does not exist.");
            for (; printed < run.Log.Count; printed++) onProgress?.Invoke(run.Log[printed]);
            if (run.Progress?.WaitingForApproval == true && !approvalHandled && onApproval is not null)
            {
                approvalHandled = true;
                await onApproval(run);
            }
            // Each wait adds its own log line, so its position tells one wait from the next.
            if (run.Progress?.WaitingForDemonstrations == true && demonstrationWaitHandled != run.Log.Count && onDemonstrations is not null)
            {
                demonstrationWaitHandled = run.Log.Count;
                await onDemonstrations(run);
            }
            if (run.Report is { } report) return report;
            if (run.IsEnded) throw new InvalidOperationException($"Run '{runId}' ended {run.RuntimeStatus}: {run.Failure}");
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private static RunCommandResult UnknownRun(string runId) =>
        new(RunCommandOutcome.UnknownRun, $"No improvement run '{runId}' exists (run ids look like '<agentId>-<number>'; it may have been purged).");

    private static ApprovalResult AlreadyDecided(string runId, RecordedApproval decision) => decision.TimedOut
        ? new(ApprovalOutcome.AlreadyDecided, $"The approval window of run {runId} closed at {decision.DecidedAt:u} without a decision; the run was rejected.", decision)
        : new(ApprovalOutcome.AlreadyDecided,
            $"Run {runId} was already {(decision.Decision.Approved ? "approved" : "rejected")} by {decision.Decision.By} at {decision.DecidedAt:u}; each run takes one decision.",
            decision);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,100}-[0-9]{1,9}$")]
    private static partial Regex RunIdPattern();
}
