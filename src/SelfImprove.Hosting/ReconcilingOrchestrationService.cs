using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Extensions.Logging;

namespace SelfImprove.Hosting;

/// <summary>
/// Sits between an orchestration backend and the in-process sidecar's dispatcher and drops the messages of a work item
/// that cannot be applied to its orchestration, as DurableTask.Core's own dispatcher does
/// (<c>TaskOrchestrationDispatcher.ReconcileMessagesWithState</c>); the sidecar's dispatcher does not, and fails on them
/// again and again:
/// <list type="bullet">
/// <item>A start message for an orchestration that has already started. The Azure Storage provider redelivers one when
/// a process saved the orchestration's first step but died before deleting its start message; another process (or the
/// restarted one) then gets it with a history that holds the start, and the sidecar's dispatcher failed with "Multiple
/// ExecutionStartedEvent found" and abandoned the work item, with every message that came with it (an activity's
/// result, an approval), each time it came back after a growing back-off: the run stalled.</item>
/// <item>Messages for an orchestration that has no history and is not being started: an activity's result or a timer
/// that comes back after the orchestration was terminated and purged. The in-memory backend hands these out as a work
/// item of an empty orchestration, the sidecar's dispatcher failed with "Could not find an orchestration instance ID",
/// abandoned it, and got it back at once: thousands of errors a second, for ever.</item>
/// <item>Messages addressed to an earlier execution of the orchestration (before a <c>ContinueAsNew</c>).</item>
/// </list>
/// Each dropped message is logged once, as a warning naming the orchestration, the events and why. Everything else is
/// passed through to the backend unchanged.
/// </summary>
public sealed class ReconcilingOrchestrationService : IOrchestrationService
{
    private readonly IOrchestrationService inner;
    private readonly ILogger logger;
    private readonly EngineConcurrency? concurrency;

    /// <param name="inner">The backend (in-memory, Azure Storage, or any DurableTask.Core provider).</param>
    /// <param name="loggerFactory">Where dropped messages are reported (category <c>SelfImprove.Hosting.Reconciliation</c>).</param>
    /// <param name="concurrency">
    /// What the dispatcher is told it may run at once (<see cref="MaxConcurrentTaskActivityWorkItems"/>,
    /// <see cref="MaxConcurrentTaskOrchestrationWorkItems"/>); the backend's own figures when null.
    /// </param>
    /// <exception cref="ArgumentNullException">The backend or the logger factory is null.</exception>
    public ReconcilingOrchestrationService(IOrchestrationService inner, ILoggerFactory loggerFactory, EngineConcurrency? concurrency = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        this.inner = inner;
        this.concurrency = concurrency;
        logger = loggerFactory.CreateLogger(LogCategory);
    }

    /// <summary>The log category of the dropped-message warnings.</summary>
    public const string LogCategory = "SelfImprove.Hosting.Reconciliation";

    /// <summary>The start of every dropped-message warning (what a log search looks for).</summary>
    public const string DroppedMarker = "Dropped orchestration message(s)";

    /// <summary>The backend this service passes work to.</summary>
    public IOrchestrationService Inner => inner;

    /// <summary>
    /// The next work item whose messages can be applied, with those that cannot removed; null when the backend had
    /// none (or only one that was dropped as a whole: the dispatcher asks again).
    /// </summary>
    public async Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        var workItem = await inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);
        if (workItem is null) return null!;

        var (kept, dropped, reason) = Reconcile(workItem.OrchestrationRuntimeState, workItem.NewMessages);
        if (dropped.Count > 0) LogDropped(workItem.InstanceId, dropped, reason!);
        if (dropped.Count == 0) return workItem;

        if (workItem.OrchestrationRuntimeState?.ExecutionStartedEvent is null && !kept.Any(m => m.Event is ExecutionStartedEvent))
        {
            // Nothing to run: the orchestration does not exist (terminated and purged, or never started). A backend without
            // peek-lock (in-memory) removed the messages when it handed out the work item, so releasing drops them; one with
            // peek-lock (Azure Storage) discards such work items itself before handing them out, and would only show them
            // again after their visibility timeout.
            await inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
            return null!;
        }

        // What remains is applied as usual. With nothing new left (only a duplicate start) the orchestration replays to
        // where it was and schedules nothing again; completing the work item deletes the duplicate from a peek-lock queue.
        workItem.NewMessages = kept;
        return workItem;
    }

    /// <summary>
    /// Splits a work item's messages into those its orchestration can take and those it cannot, the way
    /// DurableTask.Core's dispatcher does: start messages for an orchestration that has started, any message for an
    /// orchestration that has neither a history nor a start message in the batch, and messages for another execution.
    /// </summary>
    /// <returns>The messages to keep (in their order), those dropped, and why (null when none was dropped).</returns>
    public static (List<TaskMessage> Kept, List<TaskMessage> Dropped, string? Reason) Reconcile(
        OrchestrationRuntimeState? state, IEnumerable<TaskMessage> messages)
    {
        var all = messages.ToList();
        var started = state?.ExecutionStartedEvent;
        if (started is null && !all.Any(m => m.Event is ExecutionStartedEvent))
            return ([], all, "the orchestration does not exist (never started, or purged)");

        var executionId = started?.OrchestrationInstance?.ExecutionId;
        var kept = new List<TaskMessage>(all.Count);
        var dropped = new List<TaskMessage>();
        var reasons = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var message in all)
        {
            if (message.Event is ExecutionStartedEvent start)
            {
                if (started is not null)
                {
                    dropped.Add(message);
                    reasons.Add("the orchestration has already started (a redelivered start message)");
                    continue;
                }
                started = start;
                executionId = start.OrchestrationInstance?.ExecutionId ?? message.OrchestrationInstance?.ExecutionId;
                kept.Add(message);
                continue;
            }
            var target = message.OrchestrationInstance?.ExecutionId;
            if (!string.IsNullOrEmpty(target) && !string.IsNullOrEmpty(executionId) && !string.Equals(target, executionId, StringComparison.Ordinal))
            {
                dropped.Add(message);
                reasons.Add($"addressed to execution {target}, not the current {executionId}");
                continue;
            }
            kept.Add(message);
        }
        return (kept, dropped, dropped.Count == 0 ? null : string.Join("; ", reasons));
    }

    private void LogDropped(string instanceId, List<TaskMessage> dropped, string reason)
    {
        var events = string.Join(", ", dropped.GroupBy(m => m.Event.EventType).Select(g => g.Count() == 1 ? $"{g.Key}" : $"{g.Key} x{g.Count()}"));
        logger.LogWarning("{Marker} for {InstanceId}: {Events}; {Reason}", DroppedMarker, instanceId, events, reason);
    }

    public Task StartAsync() => inner.StartAsync();
    public Task StopAsync() => inner.StopAsync();
    public Task StopAsync(bool isForced) => inner.StopAsync(isForced);
    public Task CreateAsync() => inner.CreateAsync();
    public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);
    public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();
    public Task DeleteAsync() => inner.DeleteAsync();
    public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);
    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);
    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => inner.GetDelayInSecondsAfterOnProcessException(exception);
    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => inner.GetDelayInSecondsAfterOnFetchException(exception);
    public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;
    public int MaxConcurrentTaskOrchestrationWorkItems => concurrency?.Orchestrations ?? inner.MaxConcurrentTaskOrchestrationWorkItems;
    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;
    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);

    public Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState, IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages, TaskMessage continuedAsNewMessage, OrchestrationState orchestrationState) =>
        inner.CompleteTaskOrchestrationWorkItemAsync(
            workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);

    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.AbandonTaskOrchestrationWorkItemAsync(workItem);
    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
    public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;
    public int MaxConcurrentTaskActivityWorkItems => concurrency?.Activities ?? inner.MaxConcurrentTaskActivityWorkItems;

    public Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => inner.RenewTaskActivityWorkItemLockAsync(workItem);
    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage) => inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);
    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) => inner.AbandonTaskActivityWorkItemAsync(workItem);
}
