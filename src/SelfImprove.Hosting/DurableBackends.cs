using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.Extensions.Logging;

namespace SelfImprove.Hosting;

/// <summary>The orchestration backends a <see cref="DurableHost"/> can run on.</summary>
public static class DurableBackends
{
    /// <summary>State in this process only: the embedded default and tests.</summary>
    public static IOrchestrationService InMemory(ILoggerFactory loggerFactory) => new InMemoryOrchestrationService(loggerFactory);

    /// <summary>
    /// The Durable Task Azure Storage provider (the one Durable Functions uses) on a storage account or Azurite:
    /// orchestrations survive a killed process and several processes on one hub share the work.
    /// </summary>
    /// <param name="connectionString">E.g. <c>UseDevelopmentStorage=true</c> for Azurite on its default ports.</param>
    /// <param name="hubName">Task hub; every process of one deployment uses the same (and the same partition count).</param>
    /// <param name="workerId">Stable per process, so a restarted process takes its partition leases back at once.</param>
    /// <param name="redeliveryAfter">
    /// How long work taken by a process that died stays hidden before another (or the restarted) process gets it;
    /// the provider's default is 5 minutes. The self-host does not extend it while an activity runs, so it must
    /// exceed the longest activity (a replayed activity is harmless, only slower: side effects are keyed).
    /// </param>
    /// <param name="concurrency">Work items at once in this process (<see cref="EngineConcurrency.AzureStorage"/> when null); give the host the same.</param>
    public static async Task<IOrchestrationService> AzureStorageAsync(
        string connectionString, string hubName, string workerId, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default,
        TimeSpan? redeliveryAfter = null, EngineConcurrency? concurrency = null)
    {
        concurrency ??= EngineConcurrency.AzureStorage;
        concurrency.Validate();
        var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
            TaskHubName = hubName,
            WorkerId = workerId,
            PartitionCount = 4,
            // The 30 s default makes work scheduled by another process wait up to 13 s on a quiet hub.
            MaxQueuePollingInterval = TimeSpan.FromSeconds(1),
            LoggerFactory = loggerFactory,
            WorkItemQueueVisibilityTimeout = redeliveryAfter ?? TimeSpan.FromMinutes(5),
            ControlQueueVisibilityTimeout = redeliveryAfter ?? TimeSpan.FromMinutes(5),
            MaxConcurrentTaskActivityWorkItems = concurrency.Activities,
            MaxConcurrentTaskOrchestrationWorkItems = concurrency.Orchestrations,
        });
        await service.CreateIfNotExistsAsync().WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return service;
    }
}
