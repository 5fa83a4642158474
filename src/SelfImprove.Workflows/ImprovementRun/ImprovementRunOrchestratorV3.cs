using Microsoft.DurableTask;
using SelfImprove.Core;
using SelfImprove.Core.Alignment;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Runs;
using SelfImprove.Core.Training;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.ImprovementRun;

/// <summary>
/// One improvement run of one agent, step by step: monitoring snapshot → plan → generate data (and wait for
/// people's labels) → train →
/// evaluate (a miss goes back to the planner with the evidence, up to the manifest's attempts) → alignment
/// gate → human approval → A/B deployment → record. Deterministic: every clock, id and side effect comes
/// from the orchestration context or an activity.
/// <para>
/// Version 3 of the run orchestrator (<see cref="RunOrchestrations"/>): as version 2, except that when
/// <c>training.compute.target</c> is <c>worker</c> or <c>azure-container-apps-job</c> the train step submits a training job and
/// waits for it (the <see cref="RunEvents.TrainingCompleted"/> event, a status check of the job on a durable timer every
/// <c>training.compute.checkEvery</c>, a durable deadline of <c>training.compute.timeout</c>); a job whose worker died is
/// resubmitted up to <c>training.compute.maxResubmissions</c> times. <c>inline</c> keeps version 2's single training activity.
/// Runs replay on it to their end: a change that alters what it schedules goes into <c>ImprovementRunOrchestratorV4</c> (see
/// the project's README, "Changing an orchestrator").
/// </para>
/// </summary>
public sealed class ImprovementRunOrchestratorV3 : TaskOrchestrator<RunInput, ImprovementReport>
{
    public override async Task<ImprovementReport> RunAsync(TaskOrchestrationContext context, RunInput input)
    {
        var run = new RunRecorder(context, input);
        try
        {
            return await ImproveAndDeployAsync(context, run, input);
        }
        catch (TaskFailedException failure)
        {
            // A step that kept failing still ends the run properly: any trial is ended, the run is reported, the agent's lock released.
            if (run.CandidateVersion is { } candidate)
                run.ServingVersion = await context.RollbackAsync(new CandidateInput(input.RunId, input.AgentId, candidate));
            return await run.FinishAsync(RunStatus.Failed, $"step {failure.TaskName} failed: {failure.FailureDetails.ErrorMessage}");
        }
    }

    private static async Task<ImprovementReport> ImproveAndDeployAsync(TaskOrchestrationContext context, RunRecorder run, RunInput input)
    {
        var settings = await context.LoadRunSettingsAsync(input.AgentId);
        run.Goal = new GoalReport(settings.Goal.Metric.ToWire(), settings.Goal.Target);

        run.Phase(RunPhase.Monitor, "scoring the serving version");
        var snapshot = await context.TakeSnapshotAsync(input.AgentId);
        run.ServingVersion = snapshot.ServingVersionId;

        var (candidate, evaluation, trainingFailure) = await ImproveAsync(context, run, input, settings);
        if (trainingFailure is not null)
            return await run.FinishAsync(RunStatus.Failed, trainingFailure);
        if (!evaluation!.GoalMet)
            return await run.FinishAsync(RunStatus.Failed, $"goal missed after {run.Attempts} attempt(s): {evaluation.Verdict}");

        run.Phase(RunPhase.Align, "measuring the distance from the constitution");
        var alignment = await context.AssessAlignmentAsync(new AlignmentInput(input.RunId, input.AgentId, candidate));
        run.Alignment = AlignmentReport.From(alignment);
        if (!alignment.Passed)
            return await run.FinishAsync(RunStatus.Rejected, $"alignment gate: {alignment.Reason}");

        var approval = await ApproveAsync(context, run, input, settings, candidate, evaluation);
        run.Approval = approval;
        if (approval.Decision is not (ApprovalVerdict.Approved or ApprovalVerdict.NotRequired))
            return await run.FinishAsync(RunStatus.Rejected, approval.Decision is ApprovalVerdict.TimedOut
                ? $"no approval within {settings.ApprovalTimeout}" : $"approval rejected by {approval.By}");

        var trial = await TrialAsync(context, run, input, settings, candidate);
        run.Deployment = new DeploymentReport(trial.Decision, trial.CandidateShare, trial.Candidate.Samples);
        if (!trial.Promoted)
        {
            run.ServingVersion = await context.RollbackAsync(new CandidateInput(input.RunId, input.AgentId, candidate));
            return await run.FinishAsync(RunStatus.Rejected, $"A/B trial lost, rolled back: {trial.Reason}");
        }
        run.ServingVersion = await context.PromoteAsync(new CandidateInput(input.RunId, input.AgentId, candidate));
        return await run.FinishAsync(RunStatus.Promoted, $"{candidate} promoted: {trial.Reason}");
    }

    /// <summary>
    /// Plan → generate → train → evaluate, until the evaluation agent is satisfied or the attempts run out; a training job that
    /// failed, lost its workers or outlived its deadline ends the attempts with the reason (the evaluation is then null).
    /// </summary>
    private static async Task<(string Candidate, CandidateEvaluation? Evaluation, string? TrainingFailure)> ImproveAsync(
        TaskOrchestrationContext context, RunRecorder run, RunInput input, RunSettings settings)
    {
        var evidence = new List<AttemptEvidence>();
        var batches = new List<string>();
        string candidate = "";
        CandidateEvaluation? evaluation = null;
        for (var attempt = 1; attempt <= settings.MaxAttempts; attempt++)
        {
            run.Attempts = attempt;
            run.Phase(RunPhase.Plan, "diagnosing and planning", attempt);
            var plan = await context.PlanAttemptAsync(new PlanInput(input.RunId, input.AgentId, attempt, evidence.ToArray()));

            run.Phase(RunPhase.Generate, $"{plan.LabelRequests.Count} requests to label, {plan.GeneratedSampleCount} samples to generate", attempt);
            await TeachAsync(context, run, input, plan);
            if (settings.AllowHumanLabelling) await WaitForLabelsAsync(context, run, input, settings, attempt);
            if (plan.AskHumans && settings.AllowHumanDemonstrations) await WaitForDemonstrationsAsync(context, run, settings, attempt);
            var batch = await context.AssembleDataAsync(new AttemptInput(input.RunId, input.AgentId, attempt));
            batches.Add(batch.BlobName);
            run.TeacherSamples += batch.Kept;

            run.Phase(RunPhase.Train, $"training on the pool + {run.TeacherSamples} teacher samples", attempt);
            var train = new TrainInput(input.RunId, input.AgentId, attempt, batches.ToArray(), plan.HyperParameters);
            if (settings.Compute is { RunsAsJob: true } compute)
            {
                var trained = await TrainOnJobAsync(context, run, train, compute);
                if (trained.Failure is not null) return (candidate, evaluation, trained.Failure);
                candidate = trained.Candidate!;
            }
            else
            {
                candidate = await context.TrainCandidateAsync(train);
            }
            run.CandidateVersion = candidate;

            run.Phase(RunPhase.Evaluate, $"evaluating {candidate}", attempt);
            evaluation = await context.EvaluateCandidateAsync(new EvaluateInput(input.AgentId, attempt, candidate));
            run.Metrics = evaluation.HeldOut;
            if (evaluation.GoalMet) break;
            evidence.Add(evaluation.Evidence);
        }
        return (candidate, evaluation!, null);
    }

    /// <summary>
    /// The attempt's training as a job on dedicated compute: submits it (idempotent: job <c>{runId}.attempt-{n}</c>), then reads its
    /// status blob at once and after each wake-up, a wake-up being the worker's <see cref="RunEvents.TrainingCompleted"/> event or
    /// the durable timer every <c>checkEvery</c> (the event may be lost), until the job has succeeded (its recorded candidate is
    /// adopted, once), failed or been cancelled, or the deadline <c>timeout</c> after submission has passed (the job is then
    /// cancelled). A running job whose heartbeat is older than <c>heartbeatTimeout</c> is resubmitted at most
    /// <c>maxResubmissions</c> times. The manifest bounds the checks (<see cref="ManifestLimits.MaxTrainingChecks"/>), and
    /// wake-ups by events are bounded as many again, so the history stays bounded.
    /// </summary>
    private static async Task<(string? Candidate, string? Failure)> TrainOnJobAsync(TaskOrchestrationContext context, RunRecorder run, TrainInput train, ComputeSpec compute)
    {
        var attempt = train.Attempt;
        var jobId = await context.SubmitTrainingJobAsync(train);
        var deadline = context.CurrentUtcDateTime.Add(compute.Timeout);
        run.Phase(RunPhase.Train, $"training job {jobId} queued for a '{compute.EffectiveTarget.ToWire()}' worker; waiting until {deadline:u} at most", attempt);
        var target = new TrainingJobCheckInput(train.RunId, train.AgentId, attempt, compute.HeartbeatTimeout);
        using var events = new CancellationTokenSource();
        var completed = context.WaitForExternalEvent<TrainingCompleted>(RunEvents.TrainingCompleted, events.Token);
        var resubmissions = 0;
        var lastState = (TrainingJobState?)null;
        try
        {
            for (var wakeUp = 0; ; wakeUp++)
            {
                var check = await context.CheckTrainingJobAsync(target);
                if (check.State != lastState && check.State is TrainingJobState.Running)
                    run.Phase(RunPhase.Train, $"training job {jobId} runs on worker {check.WorkerId}", attempt);
                lastState = check.State;
                switch (check.State)
                {
                    case TrainingJobState.Succeeded when check.VersionId is { } version:
                        run.Phase(RunPhase.Train, $"training job {jobId} trained {version}", attempt);
                        return (version, null);
                    case TrainingJobState.Failed:
                        return (null, $"training job {jobId} failed: {check.Reason ?? "no reason recorded"}");
                    case TrainingJobState.Cancelled:
                        return (null, $"training job {jobId} was cancelled: {check.Reason ?? "no reason recorded"}");
                    case TrainingJobState.Running when check.Stale:
                        var why = $"worker {check.WorkerId} sent no heartbeat since {check.LastSeen:u} (training.compute.heartbeatTimeout {compute.HeartbeatTimeout})";
                        if (resubmissions >= compute.MaxResubmissions)
                        {
                            var failure = $"training job {jobId} failed: {why}, after {resubmissions} resubmission(s) (training.compute.maxResubmissions {compute.MaxResubmissions})";
                            await context.CancelTrainingJobAsync(new TrainingJobChange(train.RunId, train.AgentId, attempt, failure));
                            return (null, failure);
                        }
                        resubmissions++;
                        await context.ResubmitTrainingJobAsync(new TrainingJobChange(train.RunId, train.AgentId, attempt, $"resubmitted ({resubmissions} of at most {compute.MaxResubmissions}): {why}"));
                        run.Phase(RunPhase.Train, $"training job {jobId} resubmitted ({resubmissions} of at most {compute.MaxResubmissions}): {why}", attempt);
                        lastState = TrainingJobState.Queued;
                        break;
                }
                if (context.CurrentUtcDateTime >= deadline || wakeUp >= 2 * ManifestLimits.MaxTrainingChecks)
                {
                    var failure = context.CurrentUtcDateTime >= deadline
                        ? $"training job {jobId} did not finish within {compute.Timeout} (training.compute.timeout); it was {check.State.ToWire()}"
                        : $"training job {jobId} woke its run {wakeUp} times without finishing; it was {check.State.ToWire()}";
                    await context.CancelTrainingJobAsync(new TrainingJobChange(train.RunId, train.AgentId, attempt, failure));
                    return (null, failure);
                }
                var next = context.CurrentUtcDateTime.Add(compute.CheckEvery);
                using var timerCancel = new CancellationTokenSource();
                var timer = context.CreateTimer(next < deadline ? next : deadline, timerCancel.Token);
                if (await Task.WhenAny(completed, timer) == completed)
                {
                    timerCancel.Cancel();
                    completed = context.WaitForExternalEvent<TrainingCompleted>(RunEvents.TrainingCompleted, events.Token);
                }
            }
        }
        finally
        {
            events.Cancel();
        }
    }

    /// <summary>One activity per teacher batch, while the run's token budget lasts.</summary>
    private static async Task TeachAsync(TaskOrchestrationContext context, RunRecorder run, RunInput input, ImprovementPlan plan)
    {
        var work = await context.PrepareGenerationAsync(new GenerateInput(input.RunId, input.AgentId, plan));
        var usage = work.Usage;
        var batch = 0;
        for (; batch < work.Batches && !usage.BudgetSpent; batch++)
            usage = await context.TeachBatchAsync(new TeachBatchInput(input.RunId, input.AgentId, plan.Attempt, batch));
        if (batch < work.Batches)
            run.Phase(RunPhase.Generate, $"token budget spent ({usage.Tokens} of {usage.TokenBudget}): {work.Batches - batch} of {work.Batches} teacher batches not run", plan.Attempt);
    }

    /// <summary>
    /// People label what the feedback agent left in the labelling queue: waits until every request the attempt queued
    /// has an answer (the API raises <see cref="RunEvents.Labelled"/> then) or the manifest's timeout passes (a durable
    /// timer), then trains on the labels there are.
    /// </summary>
    private static async Task WaitForLabelsAsync(TaskOrchestrationContext context, RunRecorder run, RunInput input, RunSettings settings, int attempt)
    {
        var queue = new AttemptInput(input.RunId, input.AgentId, attempt);
        var progress = await context.CheckLabellingAsync(queue);
        if (progress.Done) return;
        var until = context.CurrentUtcDateTime.Add(settings.LabellingTimeout);
        using var timeout = new CancellationTokenSource();
        var answered = context.WaitForExternalEvent<LabelsAnswered>(RunEvents.Labelled, timeout.Token);
        run.Phase(RunPhase.Generate, $"waiting until {until:u} for people to label {progress.Queued - progress.Answered} of {progress.Queued} queued requests", attempt, waitingForLabels: true);
        // Checked again once the run shows it waits: an answer recorded before that raised no event.
        progress = await context.CheckLabellingAsync(queue);
        var timedOut = false;
        if (!progress.Done)
        {
            var timer = context.CreateTimer(until, timeout.Token);
            // An event for an earlier attempt arrives late: skip it, keep waiting for this attempt's.
            Task first;
            while ((first = await Task.WhenAny(answered, timer)) == answered && answered.Result.Attempt != attempt)
                answered = context.WaitForExternalEvent<LabelsAnswered>(RunEvents.Labelled, timeout.Token);
            timedOut = first == timer;
            progress = await context.CheckLabellingAsync(queue);
        }
        if (!timedOut) timeout.Cancel();
        run.Phase(RunPhase.Generate, timedOut
            ? $"labelling time is up: people labelled {progress.Answered} of {progress.Queued} queued requests; the rest stay in the queue"
            : $"people labelled all {progress.Queued} queued requests", attempt);
    }

    /// <summary>
    /// The A/B trial: starts it, then checks the arms every <c>deployment.checkEvery</c> (a durable timer) until the
    /// candidate has enough labelled answers to decide, or <c>deployment.maxDuration</c> is up and the last check decides.
    /// </summary>
    private static async Task<TrialOutcome> TrialAsync(TaskOrchestrationContext context, RunRecorder run, RunInput input, RunSettings settings, string candidate)
    {
        var deadline = context.CurrentUtcDateTime.Add(settings.TrialMaxDuration);
        run.Phase(RunPhase.Deploy, $"A/B trial of {candidate} beside {run.ServingVersion} on live traffic, until {deadline:u} at most");
        await context.StartTrialAsync(new CandidateInput(input.RunId, input.AgentId, candidate));
        // Checked once at once (a trial whose evidence is in already decides without waiting), then after each timer;
        // the manifest bounds the number of checks (maxDuration / checkEvery), so the history stays bounded.
        var final = false;
        TrialOutcome? outcome = null;
        for (var check = 0; outcome is null; check++)
        {
            var look = await context.CheckTrialAsync(new TrialCheckInput(input.RunId, input.AgentId, candidate, final));
            outcome = look.Outcome;
            LogTrialCheck(run, check, look);
            if (outcome is not null || final) break;
            var next = context.CurrentUtcDateTime.Add(settings.TrialCheckEvery);
            final = next >= deadline || check + 1 >= ManifestLimits.MaxTrialChecks;
            await context.CreateTimer(final ? deadline : next, CancellationToken.None);
        }
        return outcome ?? throw new InvalidOperationException($"The final check of run {input.RunId}'s trial did not decide.");
    }

    /// <summary>
    /// One phase line per check with the test's estimate and bounds (the first 30 checks, then every 10th, and the one that
    /// decides: the progress stays small over a long trial's up to <see cref="ManifestLimits.MaxTrialChecks"/> checks).
    /// </summary>
    private static void LogTrialCheck(RunRecorder run, int check, TrialCheck look)
    {
        if (check >= 30 && check % 10 != 0 && look.Outcome is null) return;
        var state = look.Statistics?.ToString() ?? "no answers with feedback in both arms yet";
        var verdict = look.Outcome is { } decided ? $" → {decided.Decision.ToWire()}" : "";
        var step = look.Step is { } ramp ? $"; {ramp}" : "";
        run.Phase(RunPhase.Deploy, $"trial check {check + 1}: {state}{verdict}{step}");
    }

    /// <summary>The plan asked people for samples: waits for them at most the manifest's timeout (a durable timer), then goes on with what it has.</summary>
    private static async Task WaitForDemonstrationsAsync(TaskOrchestrationContext context, RunRecorder run, RunSettings settings, int attempt)
    {
        var until = context.CurrentUtcDateTime.Add(settings.DemonstrationTimeout);
        using var timeout = new CancellationTokenSource();
        var received = context.WaitForExternalEvent<DemonstrationsReceived>(RunEvents.Demonstrations, timeout.Token);
        run.Phase(RunPhase.Generate, $"waiting for demonstrations until {until:u}", attempt, waitingForDemonstrations: true);
        var timer = context.CreateTimer(until, timeout.Token);
        // A second submission for an earlier attempt arrives as a late event: skip it, keep waiting for this attempt's.
        Task first;
        while ((first = await Task.WhenAny(received, timer)) == received && received.Result.Attempt != attempt)
            received = context.WaitForExternalEvent<DemonstrationsReceived>(RunEvents.Demonstrations, timeout.Token);
        if (first == timer)
        {
            run.Phase(RunPhase.Generate, "no demonstrations arrived in time; going on with the teachers' samples", attempt);
            return;
        }
        timeout.Cancel();
        run.Phase(RunPhase.Generate, $"{received.Result.Count} demonstrated samples from {received.Result.By}", attempt);
    }

    /// <summary>Asks a person and waits for the approval event, at most the manifest's timeout (a durable timer).</summary>
    private static async Task<ApprovalReport> ApproveAsync(
        TaskOrchestrationContext context, RunRecorder run, RunInput input, RunSettings settings, string candidate, CandidateEvaluation evaluation)
    {
        if (!settings.ApprovalRequired) return new ApprovalReport(ApprovalVerdict.NotRequired, null);

        var expiresAt = context.CurrentUtcDateTime.Add(settings.ApprovalTimeout);
        var summary = $"{candidate}: {settings.Goal.Metric.ToWire()} {evaluation.Value:0.000} on recent traffic (target {settings.Goal.Target:0.00}); " +
                      $"alignment distance {run.Alignment!.Distance:0.000} bits";
        // Wait before notifying, so an answer that arrives at once is never missed.
        using var timeout = new CancellationTokenSource();
        var answer = context.WaitForExternalEvent<ApprovalDecision>(RunEvents.Approval, timeout.Token);
        run.Phase(RunPhase.Approval, $"waiting for approval until {expiresAt:u}", approvalExpiresAt: expiresAt);
        await context.RequestApprovalAsync(new ApprovalRequest(input.RunId, input.AgentId, candidate, summary, expiresAt));

        var timer = context.CreateTimer(expiresAt, timeout.Token);
        ApprovalDecision? decision;
        if (await Task.WhenAny(answer, timer) == timer)
        {
            // A decision recorded just before the timeout (its event late or lost) still counts; after this none can.
            decision = await context.CloseApprovalAsync(input.RunId);
            if (decision is null) return new ApprovalReport(ApprovalVerdict.TimedOut, null);
        }
        else
        {
            timeout.Cancel();
            decision = answer.Result;
        }
        return new ApprovalReport(decision.Approved ? ApprovalVerdict.Approved : ApprovalVerdict.Rejected, decision.By);
    }

    /// <summary>Collects the report as the run goes and keeps the custom status current.</summary>
    private sealed class RunRecorder(TaskOrchestrationContext context, RunInput input)
    {
        private readonly List<PhaseEntry> log = [];

        public GoalReport Goal { get; set; } = new("", 0);
        public MetricsReport Metrics { get; set; } = new(0, 0, null);
        public int Attempts { get; set; }
        public int TeacherSamples { get; set; }
        public string? ServingVersion { get; set; }
        public string? CandidateVersion { get; set; }
        public AlignmentReport? Alignment { get; set; }
        public ApprovalReport? Approval { get; set; }
        public DeploymentReport? Deployment { get; set; }

        public void Phase(RunPhase name, string detail, int? attempt = null, DateTimeOffset? approvalExpiresAt = null, bool waitingForDemonstrations = false,
            bool waitingForLabels = false)
        {
            log.Add(new PhaseEntry(name, attempt ?? Attempts, detail));
            var metrics = Attempts > 0 ? Metrics : null;
            context.SetCustomStatus(new RunProgress(log.ToArray(), approvalExpiresAt is not null, CandidateVersion, metrics, approvalExpiresAt,
                waitingForDemonstrations, waitingForLabels));
        }

        public async Task<ImprovementReport> FinishAsync(RunStatus status, string reason)
        {
            Phase(RunPhase.Record, $"{status.ToWire()}: {reason}");
            var usage = await context.RunUsageAsync(new UsageInput(input.RunId, input.AgentId));
            var report = new ImprovementReport
            {
                RunId = input.RunId,
                AgentId = input.AgentId,
                Status = status,
                Reason = reason,
                Goal = Goal,
                Metrics = Metrics,
                Attempts = Attempts,
                TeacherSamples = TeacherSamples,
                Alignment = Alignment,
                Approval = Approval,
                Deployment = Deployment,
                ServingVersion = ServingVersion,
                CandidateVersion = CandidateVersion,
                Usage = usage,
            };
            await context.CloseRunAsync(report);
            return report;
        }
    }
}
