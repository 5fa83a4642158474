using Microsoft.DurableTask;
using SelfImprove.Core.Training;

namespace SelfImprove.Workflows.Steps;

/// <summary>Input of the training job activities: the run's attempt whose job (<c>{runId}.attempt-{attempt}</c>) is meant.</summary>
public sealed record TrainingJobInput(string RunId, string AgentId, int Attempt);

/// <summary>Input of <see cref="CheckTrainingJobActivity"/>: the attempt and how old a running job's last heartbeat may be before it counts as stale.</summary>
/// <param name="HeartbeatTimeout">The manifest's <c>training.compute.heartbeatTimeout</c> (positive).</param>
public sealed record TrainingJobCheckInput(string RunId, string AgentId, int Attempt, TimeSpan HeartbeatTimeout);

/// <summary>Input of <see cref="ResubmitTrainingJobActivity"/> and <see cref="CancelTrainingJobActivity"/>: the attempt and why, in words.</summary>
public sealed record TrainingJobChange(string RunId, string AgentId, int Attempt, string Reason);

/// <summary>What the job's status blob says (the source of truth: the completion event only wakes the run).</summary>
/// <param name="JobId">The job (<c>{runId}.attempt-{attempt}</c>).</param>
/// <param name="State">Its state; <see cref="TrainingJobState.Queued"/> while no status was written yet.</param>
/// <param name="VersionId">With <see cref="TrainingJobState.Succeeded"/>: the attempt's recorded candidate (the create-once record every training path writes).</param>
/// <param name="Reason">With failed or cancelled: why; for a queued job handed back after a failure: that failure.</param>
/// <param name="WorkerId">The worker that wrote the state, if any.</param>
/// <param name="Stale">
/// Running, but the newest sign of life (heartbeat or the status's own time) is older than the check's heartbeat timeout: its
/// worker died and the job must be resubmitted.
/// </param>
/// <param name="LastSeen">The newest sign of life (UTC), when there is one.</param>
public sealed record TrainingJobCheck(
    string JobId, TrainingJobState State, string? VersionId = null, string? Reason = null, string? WorkerId = null, bool Stale = false, DateTimeOffset? LastSeen = null);

/// <summary>
/// Training on dedicated compute (<c>training.compute.target</c> <c>worker</c> or <c>azure-container-apps-job</c>): the run submits
/// the attempt's job to the training queue and waits (an external event, a durable timer that reads the status blob, a durable
/// deadline); a worker trains it with the same <see cref="ITrainingStep"/> inline training uses, so the candidate is recorded
/// once under the same name. Every method is idempotent per (run, attempt).
/// </summary>
public interface ITrainingJobStep
{
    /// <summary>Puts the attempt's job on the training queue once; a replay finds it submitted and sends nothing.</summary>
    /// <returns>The job id, <c>{runId}.attempt-{attempt}</c>.</returns>
    /// <exception cref="InvalidOperationException">A batch is missing from the store, or the agent trains inline.</exception>
    Task<string> SubmitAsync(string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, Core.Manifests.HyperParameters hyperParameters,
        CancellationToken cancellationToken = default);

    /// <summary>Reads the job's status and heartbeat blobs and judges whether a running job's worker is still alive.</summary>
    /// <exception cref="InvalidOperationException">The job was never submitted.</exception>
    Task<TrainingJobCheck> CheckAsync(string runId, string agentId, int attempt, TimeSpan heartbeatTimeout, CancellationToken cancellationToken = default);

    /// <summary>Sends the same job again (its worker died); the job id stays, so the attempt still gets one candidate.</summary>
    /// <exception cref="InvalidOperationException">The job was never submitted.</exception>
    Task ResubmitAsync(string runId, string agentId, int attempt, string reason, CancellationToken cancellationToken = default);

    /// <summary>Marks the job cancelled (its run gave up on it): a worker that takes it skips it; one that finishes it anyway finds the run ended and abandons its version.</summary>
    Task CancelAsync(string runId, string agentId, int attempt, string reason, CancellationToken cancellationToken = default);
}

/// <summary>Submits the attempt's training job.</summary>
public sealed class SubmitTrainingJobActivity(ITrainingJobStep jobs) : TaskActivity<TrainInput, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, TrainInput input) =>
        jobs.SubmitAsync(input.RunId, input.AgentId, input.Attempt, input.Batches, input.HyperParameters);
}

/// <summary>Reads the attempt's training job status.</summary>
public sealed class CheckTrainingJobActivity(ITrainingJobStep jobs) : TaskActivity<TrainingJobCheckInput, TrainingJobCheck>
{
    public override Task<TrainingJobCheck> RunAsync(TaskActivityContext context, TrainingJobCheckInput input) =>
        jobs.CheckAsync(input.RunId, input.AgentId, input.Attempt, input.HeartbeatTimeout);
}

/// <summary>Resubmits the attempt's training job after its worker died.</summary>
public sealed class ResubmitTrainingJobActivity(ITrainingJobStep jobs) : TaskActivity<TrainingJobChange, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, TrainingJobChange input)
    {
        await jobs.ResubmitAsync(input.RunId, input.AgentId, input.Attempt, input.Reason);
        return true;
    }
}

/// <summary>Cancels the attempt's training job (the run gave up waiting for it).</summary>
public sealed class CancelTrainingJobActivity(ITrainingJobStep jobs) : TaskActivity<TrainingJobChange, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, TrainingJobChange input)
    {
        await jobs.CancelAsync(input.RunId, input.AgentId, input.Attempt, input.Reason);
        return true;
    }
}

public static partial class StepCalls
{
    /// <summary>Calls <see cref="SubmitTrainingJobActivity"/>; returns the job id.</summary>
    public static Task<string> SubmitTrainingJobAsync(this TaskOrchestrationContext context, TrainInput input) =>
        CallAsync<string>(context, nameof(SubmitTrainingJobActivity), input);

    /// <summary>Calls <see cref="CheckTrainingJobActivity"/>.</summary>
    public static Task<TrainingJobCheck> CheckTrainingJobAsync(this TaskOrchestrationContext context, TrainingJobCheckInput input) =>
        CallAsync<TrainingJobCheck>(context, nameof(CheckTrainingJobActivity), input);

    /// <summary>Calls <see cref="ResubmitTrainingJobActivity"/>.</summary>
    public static Task<bool> ResubmitTrainingJobAsync(this TaskOrchestrationContext context, TrainingJobChange input) =>
        CallAsync<bool>(context, nameof(ResubmitTrainingJobActivity), input);

    /// <summary>Calls <see cref="CancelTrainingJobActivity"/>.</summary>
    public static Task<bool> CancelTrainingJobAsync(this TaskOrchestrationContext context, TrainingJobChange input) =>
        CallAsync<bool>(context, nameof(CancelTrainingJobActivity), input);
}
