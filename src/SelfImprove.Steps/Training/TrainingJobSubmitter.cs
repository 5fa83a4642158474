using SelfImprove.Core;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Training;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// Puts an attempt's training job on the training queue, once: the job blob (<see cref="StoreLayout.TrainingJob"/>) is created
/// once, and the message is sent only while the job's status blob does not exist yet, so a replayed submission finds the job
/// queued and sends nothing. (A crash between creating the job and sending its message leaves no status: the next submission
/// sends it.) Resubmission after a worker died sends the same job again; cancellation marks it cancelled for workers to skip.
/// </summary>
public sealed class TrainingJobSubmitter(LoopContext loop, ITrainingQueue queue, TimeProvider clock)
{
    /// <summary>The job of (<paramref name="runId"/>, <paramref name="attempt"/>) on the queue; the stored one when it was submitted before.</summary>
    /// <exception cref="InvalidOperationException">A training batch is missing from the store, or the agent's manifest trains inline.</exception>
    public async Task<TrainingJobSpec> SubmitAsync(
        string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken = default)
    {
        var name = StoreLayout.TrainingJob(runId, attempt);
        var job = await ReadJobAsync(runId, attempt, cancellationToken);
        if (job is null)
        {
            job = await BuildAsync(runId, agentId, attempt, batchBlobNames, hyperParameters, cancellationToken);
            if (!await loop.Store.TryCreateAsync(name, StoreJson.Serialize(job), cancellationToken))
                job = (await ReadJobAsync(runId, attempt, cancellationToken))!;
        }
        if (await ReadStatusAsync(runId, attempt, cancellationToken) is null)
        {
            await queue.SendAsync(job, cancellationToken);
            await WriteStatusAsync(job, new TrainingJobStatus { JobId = job.JobId, State = TrainingJobState.Queued, At = clock.GetUtcNow() }, cancellationToken);
        }
        return job;
    }

    /// <summary>
    /// Sends the submitted job again (its worker's heartbeat went stale: the worker died and its message may be lost with a
    /// delivery count already high). The job id stays the same; the registry's record of the attempt keeps one candidate.
    /// </summary>
    /// <exception cref="InvalidOperationException">The job was never submitted.</exception>
    public async Task<TrainingJobSpec> ResubmitAsync(string runId, int attempt, string reason, CancellationToken cancellationToken = default)
    {
        var job = await ReadJobAsync(runId, attempt, cancellationToken)
                  ?? throw new InvalidOperationException($"Run {runId}: training job for attempt {attempt} was never submitted, so it cannot be resubmitted.");
        await queue.SendAsync(job, cancellationToken);
        await WriteStatusAsync(job, new TrainingJobStatus { JobId = job.JobId, State = TrainingJobState.Queued, Reason = reason, At = clock.GetUtcNow() }, cancellationToken);
        return job;
    }

    /// <summary>
    /// Marks the job cancelled (its run ended): a worker that takes it skips it, and one that finishes it anyway finds the run
    /// ended and marks its version abandoned (<see cref="RunLedger.AbandonIfEndedAsync"/>). A job that already succeeded stays so.
    /// </summary>
    public async Task CancelAsync(string runId, int attempt, string reason, CancellationToken cancellationToken = default)
    {
        if (await ReadJobAsync(runId, attempt, cancellationToken) is not { } job) return;
        if (await ReadStatusAsync(runId, attempt, cancellationToken) is { State: TrainingJobState.Succeeded }) return;
        await WriteStatusAsync(job, new TrainingJobStatus { JobId = job.JobId, State = TrainingJobState.Cancelled, Reason = reason, At = clock.GetUtcNow() }, cancellationToken);
    }

    /// <summary>The job's status blob, or null before it was queued.</summary>
    public async Task<TrainingJobStatus?> ReadStatusAsync(string runId, int attempt, CancellationToken cancellationToken = default)
    {
        var name = StoreLayout.TrainingJobStatus(runId, attempt);
        return await loop.Store.ReadAsync(name, cancellationToken) is { } json ? StoreJson.Deserialize<TrainingJobStatus>(json, name) : null;
    }

    /// <summary>The job's last heartbeat, or null when no worker has written one.</summary>
    public async Task<TrainingJobHeartbeat?> ReadHeartbeatAsync(string runId, int attempt, CancellationToken cancellationToken = default)
    {
        var name = StoreLayout.TrainingJobHeartbeat(runId, attempt);
        return await loop.Store.ReadAsync(name, cancellationToken) is { } json ? StoreJson.Deserialize<TrainingJobHeartbeat>(json, name) : null;
    }

    private async Task<TrainingJobSpec?> ReadJobAsync(string runId, int attempt, CancellationToken cancellationToken)
    {
        var name = StoreLayout.TrainingJob(runId, attempt);
        return await loop.Store.ReadAsync(name, cancellationToken) is { } json ? StoreJson.Deserialize<TrainingJobSpec>(json, name) : null;
    }

    private Task WriteStatusAsync(TrainingJobSpec job, TrainingJobStatus status, CancellationToken cancellationToken) =>
        loop.Store.WriteAsync(job.StatusBlob, StoreJson.Serialize(status), cancellationToken);

    private async Task<TrainingJobSpec> BuildAsync(
        string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken)
    {
        var compute = loop.Agents.Get(agentId).Manifest.Training.Compute;
        if (!compute.RunsAsJob)
            throw new InvalidOperationException(
                $"Run {runId}: agent '{agentId}' trains inline (training.compute.target '{compute.Target.ToWire()}'); only 'worker' and 'azure-container-apps-job' submit training jobs.");
        var data = new List<TrainingDataBlob>();
        foreach (var name in batchBlobNames)
        {
            var bytes = await loop.Store.ReadAsync(name, cancellationToken)
                        ?? throw new InvalidOperationException($"Run {runId}: training batch '{name}' is missing from the store.");
            data.Add(new TrainingDataBlob { Name = name, Sha256 = TrainingDataBlob.HashOf(bytes) });
        }
        return new TrainingJobSpec
        {
            JobId = TrainingJobSpec.JobIdOf(runId, attempt),
            AgentId = agentId,
            RunId = runId,
            Attempt = attempt,
            ParentVersionId = (await loop.Registry.GetServingAsync(agentId, cancellationToken))?.VersionId,
            Data = data,
            HyperParameters = hyperParameters,
            Compute = compute,
            ResultBlob = StoreLayout.Candidate(runId, attempt),
            StatusBlob = StoreLayout.TrainingJobStatus(runId, attempt),
            HeartbeatBlob = StoreLayout.TrainingJobHeartbeat(runId, attempt),
        };
    }
}
