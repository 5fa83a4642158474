using SelfImprove.Core.Alignment;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Runs;

namespace SelfImprove.Core.Steps;

/// <summary>What an improvement run needs from the manifest, read once at its start.</summary>
/// <param name="AllowHumanDemonstrations">Whether the run may wait for people's demonstrations when its plan asks.</param>
/// <param name="DemonstrationTimeout">How long it waits for them.</param>
public sealed record RunSettings(
    string AgentId, GoalSpec Goal, TriggerSpec Trigger, int MaxAttempts, bool ApprovalRequired, TimeSpan ApprovalTimeout, HyperParameters HyperParameters,
    bool AllowHumanDemonstrations = false, TimeSpan DemonstrationTimeout = default);

/// <summary>One attempt's curated teacher output, stored as a blob; only its name and counts travel through the orchestration.</summary>
/// <param name="BlobName">Where the samples are (JSON Lines of labelled examples with provenance).</param>
/// <param name="Labelled">Production requests the teacher labelled.</param>
/// <param name="Generated">New samples the teacher wrote.</param>
/// <param name="Duplicates">Dropped: already in the training data.</param>
/// <param name="Contaminated">Dropped: found in a held-out set.</param>
/// <param name="Invalid">Dropped: unknown label or unusable text.</param>
/// <param name="Notes">What the teacher had to say (e.g. targets it could not serve).</param>
/// <param name="Demonstrated">Samples people demonstrated.</param>
/// <param name="QueuedForHumans">Requests the feedback agent was unsure of, left for people to label.</param>
public sealed record DataBatch(
    string BlobName, int Labelled, int Generated, int Duplicates, int Contaminated, int Invalid, IReadOnlyList<string> Notes,
    int Demonstrated = 0, int QueuedForHumans = 0)
{
    public int Kept => Labelled + Generated + Demonstrated;
}

/// <summary>One attempt's teacher work: how many batches (one activity each), and the run's LLM usage so far.</summary>
public sealed record GenerationWork(int Batches, UsageReport Usage);

/// <summary>Samples a person demonstrated for a run that asked for them.</summary>
/// <param name="Text">The request as a customer would write it.</param>
/// <param name="Label">Its intent (a name from the manifest's labels).</param>
public sealed record DemonstratedSample(string Text, string Label);

/// <summary>The evaluation agent's verdict on a candidate.</summary>
/// <param name="CandidateVersionId">The candidate.</param>
/// <param name="GoalMet">Whether it meets the goal on current traffic without losing the old.</param>
/// <param name="Value">Goal metric on recent production feedback.</param>
/// <param name="ValidationValue">Goal metric on the validation set.</param>
/// <param name="Verdict">Why, in words.</param>
/// <param name="Evidence">What the next plan should know if the goal was missed.</param>
/// <param name="HeldOut">Goal metric on the held-out evaluation set (reported, never planned on).</param>
public sealed record CandidateEvaluation(
    string CandidateVersionId, bool GoalMet, double Value, double ValidationValue, string Verdict, AttemptEvidence Evidence, MetricsReport HeldOut);

/// <summary>A run waiting for a person: who to ask, about what, until when.</summary>
public sealed record ApprovalRequest(string RunId, string AgentId, string CandidateVersionId, string Summary, DateTimeOffset ExpiresAt);

/// <summary>A person's answer to an approval request (the body of the approval event).</summary>
public sealed record ApprovalDecision(bool Approved, string By, string? Comment);

/// <summary>Asking for and recording an improvement run: one per agent at a time.</summary>
/// <param name="AgentId">The agent.</param>
/// <param name="Reason">Why (the trigger decision, or a person's note).</param>
/// <param name="Manual">Started by a person (skips the cooldown).</param>
public sealed record RunStartRequest(string AgentId, string Reason, bool Manual);

/// <summary>The run that was started, or the one already running.</summary>
public sealed record RunStartResult(bool Started, string RunId, string Message);

/// <summary>The run that holds an agent's run lock, and since when.</summary>
public sealed record OpenRun(string RunId, DateTimeOffset OpenedAt);

public interface IMonitoringStep
{
    Task<MonitoringSnapshot> SnapshotAsync(string agentId, CancellationToken cancellationToken = default);
    Task<AgentRunState> RunStateAsync(string agentId, CancellationToken cancellationToken = default);
}

public interface IRunLedger
{
    RunSettings Settings(string agentId);

    /// <summary>Takes the agent's run lock atomically and allocates the run id; an existing run wins.</summary>
    Task<RunStartResult> OpenAsync(RunStartRequest request, CancellationToken cancellationToken = default);

    /// <summary>Stores the report, records when the run ended and releases the lock. Idempotent per run.</summary>
    Task CloseAsync(ImprovementReport report, CancellationToken cancellationToken = default);

    /// <summary>The run's LLM usage so far, per agent and phase, against its budget.</summary>
    Task<UsageReport> UsageAsync(string runId, string agentId, CancellationToken cancellationToken = default);

    /// <summary>The run holding the agent's lock, if any.</summary>
    Task<OpenRun?> RunningAsync(string agentId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Releases the lock of a run that ended without closing (terminated, crashed before it was scheduled).
    /// Only one caller can release a given run's lock, so a concurrent start is never unlocked by mistake.
    /// </summary>
    Task<bool> ReleaseAsync(string agentId, string runId, CancellationToken cancellationToken = default);
}

public interface IPlanningStep
{
    Task<ImprovementPlan> PlanAsync(string runId, string agentId, int attempt, IReadOnlyList<AttemptEvidence> previousAttempts, CancellationToken cancellationToken = default);
}

/// <summary>
/// The teachers' part of an attempt, in steps small enough for one activity each: split the plan into batches,
/// run each batch (the orchestration checks the budget between them), then curate everything into the batch the
/// candidate trains on. Each step's output is stored under the run, attempt and batch, so a replay redoes nothing.
/// </summary>
public interface IDataGenerationStep
{
    /// <summary>Keeps the plan and splits it into labelling and generation batches.</summary>
    Task<GenerationWork> PrepareAsync(string runId, string agentId, ImprovementPlan plan, CancellationToken cancellationToken = default);

    /// <summary>Runs one batch and stores what it produced; returns the run's usage after it.</summary>
    Task<UsageReport> TeachBatchAsync(string runId, string agentId, int attempt, int batch, CancellationToken cancellationToken = default);

    /// <summary>Curates the attempt's batches and any demonstrations into the stored training batch.</summary>
    Task<DataBatch> AssembleAsync(string runId, string agentId, int attempt, CancellationToken cancellationToken = default);
}

public static class DataGeneration
{
    /// <summary>All of an attempt's generation in one call, stopping when the budget is spent (for benchmarks and tools).</summary>
    public static async Task<DataBatch> GenerateAsync(this IDataGenerationStep step, string runId, string agentId, ImprovementPlan plan, CancellationToken cancellationToken = default)
    {
        var work = await step.PrepareAsync(runId, agentId, plan, cancellationToken);
        var usage = work.Usage;
        for (var batch = 0; batch < work.Batches && !usage.BudgetSpent; batch++)
            usage = await step.TeachBatchAsync(runId, agentId, plan.Attempt, batch, cancellationToken);
        return await step.AssembleAsync(runId, agentId, plan.Attempt, cancellationToken);
    }
}

public interface ITrainingStep
{
    /// <summary>Trains on the pool plus the batches; idempotent per (run, attempt): a replay returns the same version.</summary>
    Task<string> TrainAsync(string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken = default);
}

public interface IEvaluationStep
{
    Task<CandidateEvaluation> EvaluateAsync(string agentId, int attempt, string candidateVersionId, CancellationToken cancellationToken = default);
}

public interface IAlignmentStep
{
    Task<AlignmentAssessment> AssessAsync(string agentId, string candidateVersionId, CancellationToken cancellationToken = default);
}

public interface IApprovalStep
{
    /// <summary>Tells the people who approve that the run waits (a webhook, a line on the console).</summary>
    Task NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Closes the approval window when the run's timer fires: returns a decision a person recorded in time (whose
    /// event may still be on its way, or was lost), else records that none came, so no later decision can count, and returns null.
    /// </summary>
    Task<ApprovalDecision?> CloseAsync(string runId, CancellationToken cancellationToken = default);
}

public interface IDeploymentStep
{
    /// <summary>Runs the candidate beside the serving version on live traffic and decides.</summary>
    Task<TrialOutcome> TrialAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default);

    /// <summary>Makes the candidate serve; idempotent.</summary>
    Task<string> PromoteAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default);

    /// <summary>Ends the trial; the serving version stays. Idempotent.</summary>
    Task<string> RollbackAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default);
}
