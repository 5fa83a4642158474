using SelfImprove.Core.Ports;
using SelfImprove.Core.Training;

namespace SelfImprove.Storage;

/// <summary>
/// <see cref="ITrainingQueue"/> in one process's memory, with Azure Storage Queues' delivery rules (invisible while leased,
/// visible again when the lease lapses on <paramref name="time"/>'s clock, dequeue counted per delivery, receipts changed by
/// every renewal); for tests and a single-process host. Thread-safe.
/// </summary>
public sealed class InMemoryTrainingQueue(TimeProvider? time = null) : ITrainingQueue
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly Lock gate = new();
    private readonly List<Message> messages = [];
    private readonly List<(string JobId, string Reason)> poisoned = [];
    private long next;

    public Task SendAsync(TrainingJobSpec job, CancellationToken cancellationToken = default)
    {
        lock (gate) messages.Add(new Message($"m{++next}", job) { VisibleAt = clock.GetUtcNow() });
        return Task.CompletedTask;
    }

    public Task<TrainingQueueLease?> ReceiveAsync(TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var now = clock.GetUtcNow();
            var message = messages.FirstOrDefault(m => m.VisibleAt <= now);
            if (message is null) return Task.FromResult<TrainingQueueLease?>(null);
            message.DequeueCount++;
            message.Receipt = $"r{++next}";
            message.VisibleAt = now + visibility;
            return Task.FromResult<TrainingQueueLease?>(new TrainingQueueLease(message.Job, message.Id, message.Receipt, message.DequeueCount));
        }
    }

    public Task<TrainingQueueLease> RenewAsync(TrainingQueueLease lease, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var message = Held(lease);
            message.Receipt = $"r{++next}";
            message.VisibleAt = clock.GetUtcNow() + visibility;
            return Task.FromResult(lease with { Receipt = message.Receipt });
        }
    }

    public Task CompleteAsync(TrainingQueueLease lease, CancellationToken cancellationToken = default)
    {
        lock (gate) messages.Remove(Held(lease));
        return Task.CompletedTask;
    }

    public Task ReleaseAsync(TrainingQueueLease lease, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (messages.FirstOrDefault(m => m.Id == lease.MessageId && m.Receipt == lease.Receipt) is { } message)
                message.VisibleAt = clock.GetUtcNow();
        }
        return Task.CompletedTask;
    }

    public Task PoisonAsync(TrainingQueueLease lease, string reason, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            poisoned.Add((lease.Job.JobId, reason));
            if (messages.FirstOrDefault(m => m.Id == lease.MessageId && m.Receipt == lease.Receipt) is { } message) messages.Remove(message);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<(string JobId, string Reason)>> PeekPoisonAsync(CancellationToken cancellationToken = default)
    {
        lock (gate) return Task.FromResult<IReadOnlyList<(string, string)>>(poisoned.ToArray());
    }

    /// <summary>How many messages the queue holds, visible or not.</summary>
    public int Count
    {
        get { lock (gate) return messages.Count; }
    }

    private Message Held(TrainingQueueLease lease)
    {
        var message = messages.FirstOrDefault(m => m.Id == lease.MessageId);
        if (message is null || message.Receipt != lease.Receipt || message.VisibleAt <= clock.GetUtcNow())
            throw new TrainingLeaseLostException(lease.Job.JobId);
        return message;
    }

    private sealed class Message(string id, TrainingJobSpec job)
    {
        public string Id { get; } = id;
        public TrainingJobSpec Job { get; } = job;
        public DateTimeOffset VisibleAt { get; set; }
        public string Receipt { get; set; } = "";
        public int DequeueCount { get; set; }
    }
}
