using System.Text.Json.Serialization;
using SelfImprove.Core;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.ImprovementRun;

/// <summary>Input of an <see cref="ImprovementRunOrchestrator"/>: the run id is also its instance id.</summary>
public sealed record RunInput(string RunId, string AgentId, string Reason, bool Manual);

/// <summary>The steps of an improvement run, as its progress log names them.</summary>
[JsonConverter(typeof(WireNameConverter<RunPhase>))]
public enum RunPhase
{
    /// <summary>Scoring the serving version.</summary>
    [JsonStringEnumMemberName("monitor")] Monitor,

    /// <summary>Diagnosing and planning an attempt.</summary>
    [JsonStringEnumMemberName("plan")] Plan,

    /// <summary>Labelling requests and generating samples (teachers, feedback agent, people).</summary>
    [JsonStringEnumMemberName("generate")] Generate,

    /// <summary>Training a candidate version.</summary>
    [JsonStringEnumMemberName("train")] Train,

    /// <summary>Evaluating the candidate against the goal.</summary>
    [JsonStringEnumMemberName("evaluate")] Evaluate,

    /// <summary>Measuring the candidate's distance from the constitution.</summary>
    [JsonStringEnumMemberName("align")] Align,

    /// <summary>Waiting for a person to approve the candidate.</summary>
    [JsonStringEnumMemberName("approval")] Approval,

    /// <summary>The A/B trial beside the serving version.</summary>
    [JsonStringEnumMemberName("deploy")] Deploy,

    /// <summary>The run has ended and is recorded.</summary>
    [JsonStringEnumMemberName("record")] Record,
}

/// <summary>One line of the run's progress log.</summary>
/// <param name="Phase">The phase.</param>
/// <param name="Attempt">Planner attempt (0 before the first).</param>
/// <param name="Detail">What the phase is doing or found, in words.</param>
public sealed record PhaseEntry(RunPhase Phase, int Attempt, string Detail);

/// <summary>
/// The run's custom status: the phase log so far (so a watcher that polls misses no phase), whether it waits
/// for a person (to approve and until when, to demonstrate samples or to label queued requests for the current attempt), the candidate being
/// worked on and its latest metrics.
/// </summary>
public sealed record RunProgress(
    IReadOnlyList<PhaseEntry> Log,
    bool WaitingForApproval = false,
    string? CandidateVersionId = null,
    Core.Runs.MetricsReport? Metrics = null,
    DateTimeOffset? ApprovalExpiresAt = null,
    bool WaitingForDemonstrations = false,
    bool WaitingForLabels = false)
{
    public PhaseEntry Current => Log[^1];
}

/// <summary>Names of the events a run waits for.</summary>
public static class RunEvents
{
    /// <summary>Body: <see cref="ApprovalDecision"/>.</summary>
    public const string Approval = "approval";

    /// <summary>Body: <see cref="DemonstrationsReceived"/>; awaited only while the progress says <c>WaitingForDemonstrations</c>.</summary>
    public const string Demonstrations = "demonstrations";

    /// <summary>
    /// Body: <see cref="LabelsAnswered"/>; raised when an answer leaves none of the current attempt's queued requests
    /// open, awaited only while the progress says <c>WaitingForLabels</c>.
    /// </summary>
    public const string Labelled = "labelled";

    /// <summary>
    /// Body: <see cref="TrainingCompleted"/>; raised by the worker that finished (or failed) a training job, through the durable
    /// client or <c>POST /api/runs/{runId}/training/{jobId}/completed</c>. It only wakes the run, which then reads the job's
    /// status blob (the source of truth); a lost event is made up for by the run's status checks.
    /// </summary>
    public const string TrainingCompleted = "trainingCompleted";
}

/// <summary>A worker finished with a run's training job (succeeded, failed or cancelled); the run reads the status blob for what happened.</summary>
/// <param name="JobId">The job, <c>{runId}.attempt-{attempt}</c>.</param>
/// <param name="State">The state the worker wrote, for the log (the status blob decides).</param>
public sealed record TrainingCompleted(string JobId, Core.Training.TrainingJobState State);

/// <summary>People have labelled every request the run's attempt queued (the labels are in the store).</summary>
public sealed record LabelsAnswered(int Attempt, int Answered);

/// <summary>
/// People demonstrated samples for the run's current attempt. The samples themselves are already in the store
/// (checked, under the run and attempt); only their blob name and count travel through the orchestration.
/// </summary>
public sealed record DemonstrationsReceived(int Attempt, string By, int Count, string BlobName);
