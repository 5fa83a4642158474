using SelfImprove.Core.Manifests;
using SelfImprove.Core.Training;
using SelfImprove.Storage;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Steps;

/// <summary>
/// The run's side of training on dedicated compute, over <see cref="TrainingJobSubmitter"/>: submits, reads and judges the job's
/// status and heartbeat blobs, resubmits and cancels. A succeeded job's candidate is read from the attempt's candidate record
/// (<see cref="StoreLayout.Candidate"/>, create-once, written by the <see cref="TrainingStep"/> the worker ran), so the run adopts
/// exactly the version inline training would have recorded.
/// </summary>
public sealed class TrainingJobStep(LoopContext loop, TrainingJobSubmitter submitter, TimeProvider clock) : ITrainingJobStep
{
    public async Task<string> SubmitAsync(
        string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken = default) =>
        (await submitter.SubmitAsync(runId, agentId, attempt, batchBlobNames, hyperParameters, cancellationToken)).JobId;

    public async Task<TrainingJobCheck> CheckAsync(string runId, string agentId, int attempt, TimeSpan heartbeatTimeout, CancellationToken cancellationToken = default)
    {
        var jobId = TrainingJobSpec.JobIdOf(runId, attempt);
        var status = await submitter.ReadStatusAsync(runId, attempt, cancellationToken);
        if (status is null)
        {
            // Submitted means a status blob exists; none here means the submission's message never went out.
            if (await loop.Store.ReadAsync(StoreLayout.TrainingJob(runId, attempt), cancellationToken) is null)
                throw new InvalidOperationException($"Run {runId}: training job '{jobId}' was never submitted, so it cannot be checked.");
            return new TrainingJobCheck(jobId, TrainingJobState.Queued);
        }
        if (status.State is TrainingJobState.Succeeded)
        {
            var claim = StoreLayout.Candidate(runId, attempt);
            var candidate = await loop.Store.ReadAsync(claim, cancellationToken) is { } recorded ? StoreJson.Deserialize<string>(recorded, claim) : status.VersionId;
            return new TrainingJobCheck(jobId, status.State, candidate, null, status.WorkerId, LastSeen: status.At);
        }
        var heartbeat = await submitter.ReadHeartbeatAsync(runId, attempt, cancellationToken);
        var lastSeen = heartbeat is { } beat && beat.At > status.At ? beat.At : status.At;
        var stale = status.State is TrainingJobState.Running && clock.GetUtcNow() - lastSeen > heartbeatTimeout;
        return new TrainingJobCheck(jobId, status.State, null, status.Reason, status.WorkerId, stale, lastSeen);
    }

    public Task ResubmitAsync(string runId, string agentId, int attempt, string reason, CancellationToken cancellationToken = default) =>
        submitter.ResubmitAsync(runId, attempt, reason, cancellationToken);

    public Task CancelAsync(string runId, string agentId, int attempt, string reason, CancellationToken cancellationToken = default) =>
        submitter.CancelAsync(runId, attempt, reason, cancellationToken);
}
