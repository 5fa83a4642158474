using Microsoft.DurableTask;
using SelfImprove.Core.Monitoring;

namespace SelfImprove.Workflows.Steps;

/// <summary>Monitoring (why a run starts): scores the serving version against the agent's goal.</summary>
public interface IMonitoringStep
{
    /// <summary>
    /// The serving version's goal metric on validation data and on recent production feedback, with the number of
    /// items each was measured on; a snapshot with no serving version when the agent has none yet.
    /// </summary>
    Task<MonitoringSnapshot> SnapshotAsync(string agentId, CancellationToken cancellationToken = default);
}

/// <summary>Takes a monitoring snapshot of the agent's serving version.</summary>
public sealed class TakeSnapshotActivity(IMonitoringStep monitoring) : TaskActivity<string, MonitoringSnapshot>
{
    public override Task<MonitoringSnapshot> RunAsync(TaskActivityContext context, string agentId) => monitoring.SnapshotAsync(agentId);
}

public static partial class StepCalls
{
    /// <summary>Calls <see cref="TakeSnapshotActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<MonitoringSnapshot> TakeSnapshotAsync(this TaskOrchestrationContext context, string agentId) =>
        CallAsync<MonitoringSnapshot>(context, nameof(TakeSnapshotActivity), agentId);
}
