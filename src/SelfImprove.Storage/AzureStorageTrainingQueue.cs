using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Training;

namespace SelfImprove.Storage;

/// <summary>
/// <see cref="ITrainingQueue"/> on Azure Storage Queues (Azurite locally): the queue <c>{name}</c> holds one message per job,
/// the job's JSON (<c>docs/training-job.schema.json</c>) base64-encoded; the poison queue is <c>{name}-poison</c>, each message
/// <c>{ job, reason }</c>. Both are created on first use. The Container Apps job's KEDA rule scales on the main queue's length.
/// </summary>
public sealed class AzureStorageTrainingQueue : ITrainingQueue
{
    private readonly QueueClient queue;
    private readonly QueueClient poison;
    private readonly SemaphoreSlim created = new(1, 1);
    private bool exists;

    /// <param name="connectionString">The Azure Storage connection string (the one the artefact store uses).</param>
    /// <param name="queueName">3–63 lower-case letters, digits and '-' (Azure's rule for queue names).</param>
    /// <exception cref="ArgumentException">The queue name breaks Azure's rule.</exception>
    public AzureStorageTrainingQueue(string connectionString, string queueName)
        : this(StorageAccount.FromConnectionString(connectionString), queueName)
    {
    }

    /// <param name="account">The storage account and how to sign in to it (a connection string, or the queue service URL with a token).</param>
    /// <param name="queueName">3–63 lower-case letters, digits and '-' (Azure's rule for queue names).</param>
    /// <exception cref="ArgumentException">The queue name breaks Azure's rule.</exception>
    /// <exception cref="InvalidOperationException">An account given by URLs without its queue service URL.</exception>
    public AzureStorageTrainingQueue(StorageAccount account, string queueName)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (!IsValidQueueName(queueName))
            throw new ArgumentException(
                $"Training queue name '{queueName}' is not a valid Azure Storage queue name: use 3-57 lower-case letters, digits and single '-' " +
                "(57 leaves room for the '-poison' queue), starting and ending with a letter or digit.", nameof(queueName));
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        queue = account.Queue(queueName, options);
        poison = account.Queue(queueName + "-poison", options);
    }

    /// <summary>The main queue's name.</summary>
    public string Name => queue.Name;

    /// <summary>Whether <paramref name="name"/> is an Azure Storage queue name that leaves room for its <c>-poison</c> twin.</summary>
    public static bool IsValidQueueName(string? name) =>
        name is { Length: >= 3 and <= 57 } && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]) && !name.Contains("--", StringComparison.Ordinal);

    public async Task SendAsync(TrainingJobSpec job, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken);
        await queue.SendMessageAsync(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(job, StoreJson.Options)), cancellationToken: cancellationToken);
    }

    public async Task<TrainingQueueLease?> ReceiveAsync(TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken);
        QueueMessage? message = (await queue.ReceiveMessageAsync(visibility, cancellationToken)).Value;
        if (message is null) return null;
        TrainingJobSpec? job;
        try
        {
            job = message.Body.ToObjectFromJson<TrainingJobSpec>(StoreJson.Options);
        }
        catch (JsonException ex)
        {
            job = null;
            await MoveAsync(message.MessageId, message.PopReceipt, message.Body, $"not a training job: {ex.Message}", cancellationToken);
            throw new InvalidDataException($"Training queue '{queue.Name}': message {message.MessageId} is not a training job ({ex.Message}); moved to '{poison.Name}'.", ex);
        }
        if (job is null || job.JobId.Length == 0)
        {
            await MoveAsync(message.MessageId, message.PopReceipt, message.Body, "not a training job: no jobId", cancellationToken);
            throw new InvalidDataException($"Training queue '{queue.Name}': message {message.MessageId} has no jobId; moved to '{poison.Name}'.");
        }
        return new TrainingQueueLease(job, message.MessageId, message.PopReceipt, (int)message.DequeueCount);
    }

    public async Task<TrainingQueueLease> RenewAsync(TrainingQueueLease lease, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        try
        {
            var receipt = await queue.UpdateMessageAsync(lease.MessageId, lease.Receipt, visibilityTimeout: visibility, cancellationToken: cancellationToken);
            return lease with { Receipt = receipt.Value.PopReceipt };
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 400)
        {
            throw new TrainingLeaseLostException(lease.Job.JobId, ex);
        }
    }

    public async Task CompleteAsync(TrainingQueueLease lease, CancellationToken cancellationToken = default)
    {
        try
        {
            await queue.DeleteMessageAsync(lease.MessageId, lease.Receipt, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 400)
        {
            throw new TrainingLeaseLostException(lease.Job.JobId, ex);
        }
    }

    public async Task ReleaseAsync(TrainingQueueLease lease, CancellationToken cancellationToken = default)
    {
        try
        {
            await queue.UpdateMessageAsync(lease.MessageId, lease.Receipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 400)
        {
            // Lapsed already: it is visible (or another worker has it); nothing to hand back.
        }
    }

    public Task PoisonAsync(TrainingQueueLease lease, string reason, CancellationToken cancellationToken = default) =>
        MoveAsync(lease.MessageId, lease.Receipt, BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(lease.Job, StoreJson.Options)), reason, cancellationToken);

    public async Task<IReadOnlyList<(string JobId, string Reason)>> PeekPoisonAsync(CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken);
        var messages = (await poison.PeekMessagesAsync(32, cancellationToken)).Value;
        return messages.Select(m => m.Body.ToObjectFromJson<PoisonedJob>(StoreJson.Options)!).Select(p => (p.JobId, p.Reason)).ToArray();
    }

    private async Task MoveAsync(string messageId, string receipt, BinaryData body, string reason, CancellationToken cancellationToken)
    {
        string jobId;
        try { jobId = body.ToObjectFromJson<TrainingJobSpec>(StoreJson.Options)?.JobId ?? ""; }
        catch (JsonException) { jobId = ""; }
        var entry = new PoisonedJob(jobId, reason, body.ToString());
        await poison.SendMessageAsync(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(entry, StoreJson.Options)), cancellationToken: cancellationToken);
        try
        {
            await queue.DeleteMessageAsync(messageId, receipt, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 400)
        {
            // Another worker holds it now: it will count the delivery and poison it too; the poison queue may list the job twice.
        }
    }

    private async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (exists) return;
        await created.WaitAsync(cancellationToken);
        try
        {
            if (exists) return;
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            exists = true;
        }
        finally
        {
            created.Release();
        }
    }

    /// <summary>A poison-queue message: the job id, why it was poisoned, and the original message's JSON.</summary>
    private sealed record PoisonedJob(string JobId, string Reason, string Message);
}
