using SelfImprove.Core.Training;

namespace SelfImprove.Core.Ports;

/// <summary>
/// The training queue: jobs for <c>worker</c> and <c>azure-container-apps-job</c> training. At-least-once: a message a worker
/// takes stays invisible for the visibility it asks for (renewed while it trains) and comes back when that lapses
/// (its worker died); a message delivered more than the worker's limit goes to the poison queue.
/// </summary>
public interface ITrainingQueue
{
    /// <summary>Sends <paramref name="job"/>; callers make it once per job (<c>TrainingJobSubmitter</c> creates the job blob first).</summary>
    Task SendAsync(TrainingJobSpec job, CancellationToken cancellationToken = default);

    /// <summary>The next visible message, invisible to others for <paramref name="visibility"/>; null when the queue has none now.</summary>
    /// <exception cref="InvalidDataException">The message is not a training job (it is moved to the poison queue first).</exception>
    Task<TrainingQueueLease?> ReceiveAsync(TimeSpan visibility, CancellationToken cancellationToken = default);

    /// <summary>Keeps the message invisible for another <paramref name="visibility"/>; returns the lease to use from now on.</summary>
    /// <exception cref="TrainingLeaseLostException">The lease lapsed and another worker may hold the message.</exception>
    Task<TrainingQueueLease> RenewAsync(TrainingQueueLease lease, TimeSpan visibility, CancellationToken cancellationToken = default);

    /// <summary>Deletes the message: the job is done (or failed for good).</summary>
    /// <exception cref="TrainingLeaseLostException">The lease lapsed and another worker may hold the message.</exception>
    Task CompleteAsync(TrainingQueueLease lease, CancellationToken cancellationToken = default);

    /// <summary>Makes the message visible again at once (a worker stopping gracefully hands its job back).</summary>
    Task ReleaseAsync(TrainingQueueLease lease, CancellationToken cancellationToken = default);

    /// <summary>Moves the message to the poison queue with <paramref name="reason"/>, and deletes it from this one.</summary>
    Task PoisonAsync(TrainingQueueLease lease, string reason, CancellationToken cancellationToken = default);

    /// <summary>The messages on the poison queue, oldest first, as (job id, reason); for operators and tests.</summary>
    Task<IReadOnlyList<(string JobId, string Reason)>> PeekPoisonAsync(CancellationToken cancellationToken = default);
}

/// <summary>A worker's hold on one queue message.</summary>
/// <param name="Job">The job the message carries.</param>
/// <param name="MessageId">The queue's id of the message.</param>
/// <param name="Receipt">The queue's proof of the hold (Azure: the pop receipt), changed by every renewal.</param>
/// <param name="DequeueCount">How many times the message has been delivered, this delivery included (1 the first time).</param>
public sealed record TrainingQueueLease(TrainingJobSpec Job, string MessageId, string Receipt, int DequeueCount);

/// <summary>A worker's lease on a message lapsed (the message became visible and may have been taken by another worker).</summary>
public sealed class TrainingLeaseLostException(string jobId, Exception? inner = null)
    : Exception($"Training job '{jobId}': the queue message's lease lapsed; another worker may hold it now.", inner)
{
    public string JobId { get; } = jobId;
}
