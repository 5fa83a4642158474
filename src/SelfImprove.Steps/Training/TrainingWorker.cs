using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SelfImprove.Core.Models;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Training;
using SelfImprove.Storage;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Steps;

/// <summary>Settings of a <see cref="TrainingWorker"/>; validated by <see cref="Validate"/> before it starts.</summary>
public sealed record TrainingWorkerOptions
{
    /// <summary>This worker's name in status and heartbeat blobs (default: host name and process id).</summary>
    public string WorkerId { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>How long a taken message stays invisible before it must be renewed (seconds on the wire: 1 s to 7 days). Default 5 minutes.</summary>
    public TimeSpan Visibility { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the worker renews the message and rewrites its heartbeat while it trains; less than <see cref="Visibility"/>. Default 30 seconds.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an idle worker waits before looking at the queue again. Default 2 seconds.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Deliveries of one message after which it goes to the poison queue and its job fails. Default 5.</summary>
    public int MaxDeliveries { get; init; } = 5;

    /// <summary>Every problem with these settings, each naming the option and how to fix it; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(WorkerId)) problems.Add("worker id must not be empty.");
        if (Visibility < TimeSpan.FromSeconds(1) || Visibility > TimeSpan.FromDays(7))
            problems.Add($"visibility must be between 1 second and 7 days (Azure Storage Queues' range); got {Visibility}.");
        if (HeartbeatInterval <= TimeSpan.Zero || HeartbeatInterval >= Visibility)
            problems.Add($"heartbeat interval must be positive and shorter than the visibility ({Visibility}), or the message reappears while the job trains; got {HeartbeatInterval}.");
        if (PollInterval <= TimeSpan.Zero) problems.Add($"poll interval must be positive; got {PollInterval}.");
        if (MaxDeliveries is < 1 or > 100) problems.Add($"max deliveries must be between 1 and 100; got {MaxDeliveries}.");
        return problems;
    }
}

/// <summary>
/// Serves the training queue: takes one job at a time, keeps its message invisible while it trains (renewing it and writing a
/// heartbeat every <see cref="TrainingWorkerOptions.HeartbeatInterval"/>), trains with the same <see cref="ITrainingStep"/>
/// inline training uses (so the attempt's candidate is recorded once, in <see cref="StoreLayout.Candidate"/>), writes the job's
/// status blob and deletes the message. A message delivered more than <see cref="TrainingWorkerOptions.MaxDeliveries"/> times
/// goes to the poison queue and its job fails naming why; a job whose data do not match their SHA-256 fails at once.
/// Several workers may share a queue: a second registration for one job (two workers holding copies of the message) is marked
/// abandoned, so the job has exactly one candidate.
/// </summary>
public sealed class TrainingWorker(
    LoopContext loop, ITrainingStep training, ITrainingQueue queue, TrainingWorkerOptions options, TimeProvider clock, ILogger<TrainingWorker>? logger = null,
    ITrainingCompletionNotifier? notifier = null)
{
    private readonly ILogger log = logger ?? NullLogger<TrainingWorker>.Instance;

    /// <summary>Takes jobs until <paramref name="stop"/> is cancelled; a job in progress is handed back to the queue (graceful stop).</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TrainingJobStatus? done;
            try
            {
                done = await RunOnceAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (InvalidDataException ex)
            {
                log.LogError("{Problem}", ex.Message); // a message that is not a job: moved to the poison queue already
                continue;
            }
            if (done is null)
            {
                try { await Task.Delay(options.PollInterval, clock, stop); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>
    /// Takes and finishes one job, if the queue has one visible: the status it ends in (succeeded, failed, cancelled), or null
    /// when the queue had none.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="stop"/> was cancelled; the job went back to the queue.</exception>
    public async Task<TrainingJobStatus?> RunOnceAsync(CancellationToken stop)
    {
        var lease = await queue.ReceiveAsync(options.Visibility, stop);
        if (lease is null) return null;
        var job = lease.Job;
        log.LogInformation("Worker {Worker} took training job {Job} (delivery {Delivery}).", options.WorkerId, job.JobId, lease.DequeueCount);

        if (job.SchemaVersion != TrainingJobSpec.CurrentSchemaVersion)
            return await PoisonAsync(lease, $"training job '{job.JobId}' has schema version {job.SchemaVersion}; this worker reads version {TrainingJobSpec.CurrentSchemaVersion}. Upgrade the worker.", stop);
        if (lease.DequeueCount > options.MaxDeliveries)
            return await PoisonAsync(lease,
                $"training job '{job.JobId}' was delivered {lease.DequeueCount} times (more than {options.MaxDeliveries}) without finishing; " +
                "it is in the poison queue. The worker's log says why each attempt stopped.", stop);

        var previous = await ReadStatusAsync(job, stop);
        if (previous is { State: TrainingJobState.Succeeded })
        {
            await CompleteAsync(lease);
            return previous;
        }
        if (previous is { State: TrainingJobState.Cancelled } || await RunEndedAsync(job, stop) is { } ended)
        {
            var cancelled = new TrainingJobStatus
            {
                JobId = job.JobId, State = TrainingJobState.Cancelled, WorkerId = options.WorkerId, Deliveries = lease.DequeueCount,
                Reason = previous?.Reason ?? $"run {job.RunId} ended before its training job ran", At = clock.GetUtcNow(),
            };
            await WriteStatusAsync(job, cancelled, stop);
            await CompleteAsync(lease);
            return cancelled;
        }
        if (await CheckDataAsync(job, stop) is { } bad)
            return await PoisonAsync(lease, bad, stop);

        await WriteStatusAsync(job, Running(job, lease), stop);
        await WriteHeartbeatAsync(job, stop);
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(stop);
        // Cancelled by the renewal loop when the job's run ends meanwhile (terminated, or it gave up on the job).
        using var runEnded = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var holder = new LeaseHolder(lease);
        var renewal = RenewAsync(holder, runEnded, renewing.Token);
        string versionId;
        try
        {
            versionId = await training.TrainAsync(job.RunId, job.AgentId, job.Attempt, job.Data.Select(d => d.Name).ToArray(), job.HyperParameters, runEnded.Token);
        }
        catch (OperationCanceledException) when (runEnded.IsCancellationRequested && !stop.IsCancellationRequested)
        {
            await renewing.CancelAsync();
            await renewal;
            var cancelled = new TrainingJobStatus
            {
                JobId = job.JobId, State = TrainingJobState.Cancelled, WorkerId = options.WorkerId, Deliveries = lease.DequeueCount,
                Reason = (await ReadStatusAsync(job, CancellationToken.None))?.Reason ?? $"run {job.RunId} ended while its training job ran", At = clock.GetUtcNow(),
            };
            await WriteStatusAsync(job, cancelled, CancellationToken.None);
            await CompleteAsync(holder.Lease);
            log.LogInformation("Worker {Worker} stopped training job {Job}: {Reason}.", options.WorkerId, job.JobId, cancelled.Reason);
            return cancelled;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await renewing.CancelAsync();
            await renewal;
            await queue.ReleaseAsync(holder.Lease, CancellationToken.None);
            await WriteStatusAsync(job, new TrainingJobStatus
            {
                JobId = job.JobId, State = TrainingJobState.Queued, WorkerId = options.WorkerId, Deliveries = lease.DequeueCount,
                Reason = $"worker {options.WorkerId} stopped and handed the job back", At = clock.GetUtcNow(),
            }, CancellationToken.None);
            log.LogInformation("Worker {Worker} stopped; training job {Job} is back on the queue.", options.WorkerId, job.JobId);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await renewing.CancelAsync();
            await renewal;
            var reason = $"training job '{job.JobId}' failed on worker {options.WorkerId} (delivery {lease.DequeueCount} of at most {options.MaxDeliveries}): {ex.Message}";
            log.LogError(ex, "{Reason}", reason);
            if (lease.DequeueCount >= options.MaxDeliveries)
                return await PoisonAsync(holder.Lease, $"{reason}; after {lease.DequeueCount} deliveries it is in the poison queue", CancellationToken.None);
            await WriteStatusAsync(job, Running(job, lease) with { State = TrainingJobState.Queued, Reason = reason }, CancellationToken.None);
            await queue.ReleaseAsync(holder.Lease, CancellationToken.None);
            return Running(job, lease) with { State = TrainingJobState.Failed, Reason = reason };
        }
        await renewing.CancelAsync();
        await renewal;

        await AbandonDuplicatesAsync(job, versionId, CancellationToken.None);
        var succeeded = new TrainingJobStatus
        {
            JobId = job.JobId, State = TrainingJobState.Succeeded, WorkerId = options.WorkerId, Deliveries = lease.DequeueCount,
            VersionId = versionId, At = clock.GetUtcNow(),
        };
        await WriteStatusAsync(job, succeeded, CancellationToken.None);
        await CompleteAsync(holder.Lease);
        log.LogInformation("Worker {Worker} finished training job {Job}: candidate {Version}.", options.WorkerId, job.JobId, versionId);
        await NotifyAsync(job, succeeded);
        return succeeded;
    }

    /// <summary>
    /// Renews the lease and rewrites the heartbeat until cancelled; a lost lease is logged (another worker may train too;
    /// registration stays single). Each time it also looks whether the job's run has ended or cancelled the job, and then
    /// cancels <paramref name="runEnded"/> so the training stops.
    /// </summary>
    private async Task RenewAsync(LeaseHolder holder, CancellationTokenSource runEnded, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await Task.Delay(options.HeartbeatInterval, clock, cancellationToken);
                holder.Lease = await queue.RenewAsync(holder.Lease, options.Visibility, cancellationToken);
                await WriteHeartbeatAsync(holder.Lease.Job, cancellationToken);
                if (await ReadStatusAsync(holder.Lease.Job, cancellationToken) is { State: TrainingJobState.Cancelled }
                    || await RunEndedAsync(holder.Lease.Job, cancellationToken) is not null)
                {
                    await runEnded.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (TrainingLeaseLostException ex)
            {
                log.LogWarning("{Problem}", ex.Message);
                return;
            }
        }
    }

    /// <summary>
    /// Two workers holding copies of one job's message both register a version: the attempt's candidate record (create-once)
    /// names one; every other version the job created is marked abandoned, so it is never listed as a candidate or served.
    /// </summary>
    private async Task AbandonDuplicatesAsync(TrainingJobSpec job, string kept, CancellationToken cancellationToken)
    {
        var createdBy = $"{job.RunId}/attempt-{job.Attempt}";
        foreach (var version in await loop.Registry.ListAsync(job.AgentId, cancellationToken))
            if (version.CreatedBy == createdBy && version.VersionId != kept)
                await loop.Registry.MarkAbandonedAsync(job.AgentId, version.VersionId,
                    new VersionAbandonment(job.RunId, $"training job '{job.JobId}' ran twice; its candidate is {kept}", clock.GetUtcNow()), cancellationToken);
    }

    private async Task<string?> CheckDataAsync(TrainingJobSpec job, CancellationToken cancellationToken)
    {
        foreach (var blob in job.Data)
        {
            var bytes = await loop.Store.ReadAsync(blob.Name, cancellationToken);
            if (bytes is null) return $"training job '{job.JobId}': data blob '{blob.Name}' is missing from the store.";
            var actual = TrainingDataBlob.HashOf(bytes);
            if (!string.Equals(actual, blob.Sha256, StringComparison.OrdinalIgnoreCase))
                return $"training job '{job.JobId}': data blob '{blob.Name}' has SHA-256 {actual}, not the job's {blob.Sha256}; the data changed after the job was submitted.";
        }
        return null;
    }

    private async Task<string?> RunEndedAsync(TrainingJobSpec job, CancellationToken cancellationToken)
    {
        if (await loop.Store.ReadAsync(StoreLayout.RunTerminated(job.RunId), cancellationToken) is not null) return "terminated";
        if (await loop.Store.ReadAsync(StoreLayout.RunReport(job.RunId), cancellationToken) is not null) return "closed";
        return null;
    }

    private async Task<TrainingJobStatus> PoisonAsync(TrainingQueueLease lease, string reason, CancellationToken cancellationToken)
    {
        var failed = new TrainingJobStatus
        {
            JobId = lease.Job.JobId, State = TrainingJobState.Failed, WorkerId = options.WorkerId, Deliveries = lease.DequeueCount,
            Reason = reason, At = clock.GetUtcNow(),
        };
        if (lease.Job.StatusBlob.Length > 0) await WriteStatusAsync(lease.Job, failed, cancellationToken);
        await queue.PoisonAsync(lease, reason, cancellationToken);
        log.LogError("{Reason}", reason);
        if (lease.Job.StatusBlob.Length > 0 && lease.Job.RunId.Length > 0) await NotifyAsync(lease.Job, failed);
        return failed;
    }

    /// <summary>
    /// Wakes the job's run (<see cref="ITrainingCompletionNotifier"/>); a failure is only logged: the status blob is written
    /// already, and the run's status check finds it.
    /// </summary>
    private async Task NotifyAsync(TrainingJobSpec job, TrainingJobStatus status)
    {
        if (notifier is null) return;
        try
        {
            await notifier.NotifyAsync(job, status, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogWarning("Worker {Worker} could not tell run {Run} that training job {Job} ended {State} ({Problem}); the run's status check will find it.",
                options.WorkerId, job.RunId, job.JobId, status.State, ex.Message);
        }
    }

    private async Task CompleteAsync(TrainingQueueLease lease)
    {
        try
        {
            await queue.CompleteAsync(lease, CancellationToken.None);
        }
        catch (TrainingLeaseLostException ex)
        {
            // The result is recorded; the copy another worker holds finds the job succeeded and deletes it.
            log.LogWarning("{Problem}", ex.Message);
        }
    }

    private TrainingJobStatus Running(TrainingJobSpec job, TrainingQueueLease lease) => new()
    {
        JobId = job.JobId, State = TrainingJobState.Running, WorkerId = options.WorkerId, Deliveries = lease.DequeueCount, At = clock.GetUtcNow(),
    };

    private async Task<TrainingJobStatus?> ReadStatusAsync(TrainingJobSpec job, CancellationToken cancellationToken) =>
        await loop.Store.ReadAsync(job.StatusBlob, cancellationToken) is { } json ? StoreJson.Deserialize<TrainingJobStatus>(json, job.StatusBlob) : null;

    private Task WriteStatusAsync(TrainingJobSpec job, TrainingJobStatus status, CancellationToken cancellationToken) =>
        loop.Store.WriteAsync(job.StatusBlob, StoreJson.Serialize(status), cancellationToken);

    private Task WriteHeartbeatAsync(TrainingJobSpec job, CancellationToken cancellationToken) =>
        loop.Store.WriteAsync(job.HeartbeatBlob, StoreJson.Serialize(new TrainingJobHeartbeat(job.JobId, options.WorkerId, clock.GetUtcNow())), cancellationToken);

    private sealed class LeaseHolder(TrainingQueueLease lease)
    {
        public TrainingQueueLease Lease { get; set; } = lease;
    }
}
