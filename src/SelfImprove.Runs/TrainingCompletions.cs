using System.Globalization;
using SelfImprove.Core;
using SelfImprove.Core.Training;
using SelfImprove.Steps;
using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Runs;

/// <summary>
/// <c>POST /api/runs/{runId}/training/{jobId}/completed</c>: a training worker without the durable hub wakes the run whose job it
/// finished. The route reads the job's status blob first and raises <see cref="RunEvents.TrainingCompleted"/> only for a job that
/// has ended (succeeded, failed, cancelled), with the state the blob holds, not what the caller says: the event only wakes the run.
/// </summary>
public sealed class TrainingCompletions(TrainingJobSubmitter jobs)
{
    /// <summary>
    /// Done (the event went out); <see cref="RunCommandOutcome.UnknownRun"/> when the job id is not one of the run's or was never
    /// submitted; <see cref="RunCommandOutcome.WrongState"/> while the job has not ended, or when the run has ended.
    /// </summary>
    public async Task<RunCommandResult> RaiseAsync(RunClient runs, string runId, string jobId, CancellationToken cancellationToken = default)
    {
        if (AttemptOf(runId, jobId) is not { } attempt)
            return new(RunCommandOutcome.UnknownRun, $"'{jobId}' is not a training job of run {runId}: its jobs are named {runId}.attempt-<n>.");
        if (await jobs.ReadStatusAsync(runId, attempt, cancellationToken) is not { } status)
            return new(RunCommandOutcome.UnknownRun, $"Run {runId} has submitted no training job '{jobId}'.");
        if (status.State is TrainingJobState.Queued or TrainingJobState.Running)
            return new(RunCommandOutcome.WrongState, $"Training job '{jobId}' is {status.State.ToWire()} by its status blob; the run is woken once it has ended.");
        return await runs.RaiseEventAsync(runId, RunEvents.TrainingCompleted, new TrainingCompleted(jobId, status.State), cancellationToken);
    }

    /// <summary>The attempt of <paramref name="jobId"/> when it is <c>{runId}.attempt-{n}</c> (n ≥ 1); else null.</summary>
    public static int? AttemptOf(string runId, string jobId)
    {
        var prefix = runId + ".attempt-";
        if (!jobId.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var digits = jobId.AsSpan(prefix.Length);
        return digits.Length is > 0 and <= 4 && digits[0] != '0' && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }
}
