using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.Logging;
using SelfImprove.Core.Training;
using SelfImprove.Steps;
using SelfImprove.Storage;
using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Hosting;

/// <summary>
/// Wakes a run through the durable client of its task hub: the <see cref="RunEvents.TrainingCompleted"/> event sent straight to
/// the run's instance on the hub's backend, with the body serialized as the durable client serializes event bodies
/// (<see cref="JsonDataConverter.Default"/>), so the run reads it as it reads an event raised by <c>RunClient</c>. For
/// <c>selfimprove train-worker</c> processes that share the server's storage account and hub.
/// </summary>
public sealed class HubTrainingNotifier(IOrchestrationServiceClient hub) : ITrainingCompletionNotifier
{
    /// <summary>A notifier on the Azure Storage task hub <paramref name="hubName"/> (the servers' <c>--hub</c>; 4 partitions, as theirs).</summary>
    public static HubTrainingNotifier ForAzureStorage(string connectionString, string hubName, ILoggerFactory loggerFactory) =>
        new(new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
            TaskHubName = hubName,
            PartitionCount = 4,
            LoggerFactory = loggerFactory,
        }));

    /// <summary>
    /// A notifier on the Azure Storage task hub <paramref name="hubName"/> of <paramref name="account"/>: its connection string, or
    /// its blob, queue and table service URLs with the account's token (the identity then needs to send queue messages and
    /// write table entities on the hub).
    /// </summary>
    /// <exception cref="InvalidOperationException">An account given by URLs without all three service URLs.</exception>
    public static HubTrainingNotifier ForAzureStorage(StorageAccount account, string hubName, ILoggerFactory loggerFactory)
    {
        if (!account.UsesIdentity) return ForAzureStorage(account.ConnectionString!, hubName, loggerFactory);
        if (account is not { BlobServiceUri: { } blob, QueueServiceUri: { } queue, TableServiceUri: { } table })
            throw new InvalidOperationException("The hub's durable client signs in with a token only given the blob, queue and table service URLs.");
        return new(new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(blob, queue, table, account.Credential!),
            TaskHubName = hubName,
            PartitionCount = 4,
            LoggerFactory = loggerFactory,
        }));
    }

    public Task NotifyAsync(TrainingJobSpec job, TrainingJobStatus status, CancellationToken cancellationToken = default) =>
        hub.SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = job.RunId },
            Event = new EventRaisedEvent(-1, JsonDataConverter.Default.Serialize(new TrainingCompleted(job.JobId, status.State))) { Name = RunEvents.TrainingCompleted },
        });
}
