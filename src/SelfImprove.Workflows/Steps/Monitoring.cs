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

/// <summary>What one agent's monitoring check in a tick needs to decide: the score, the run state and the policy's settings.</summary>
/// <param name="Snapshot">The serving version scored on validation data and recent labelled feedback.</param>
/// <param name="State">The agent's run state (a dead run's lock released first).</param>
/// <param name="Goal">The manifest's goal (metric, acceptable range).</param>
/// <param name="Trigger">The manifest's trigger settings (minimum evidence, cooldown).</param>
public sealed record AgentAssessment(MonitoringSnapshot Snapshot, AgentRunState State, Core.Manifests.GoalSpec Goal, Core.Manifests.TriggerSpec Trigger)
{
    /// <summary>The bake watch's look at the agent's latest promotion, taken before the snapshot (it may have rolled it back).</summary>
    public BakeCheck? Bake { get; init; }
}

/// <summary>
/// One agent's side of a monitoring tick in one activity (the tick's batches call it once per agent): the bake watch
/// over a recent promotion (<see cref="IDeploymentStep.CheckBakeAsync"/>; it returns at once when <c>deployment.bakeTime</c>
/// is 0), the run state, the settings and the snapshot, which scores the serving version for real.
/// </summary>
public sealed class AssessAgentActivity(IMonitoringStep monitoring, IDeploymentStep deployment, IRunLedger ledger, ImprovementRun.RunStarter runs)
    : TaskActivity<string, AgentAssessment>
{
    public override async Task<AgentAssessment> RunAsync(TaskActivityContext context, string agentId)
    {
        var bake = await deployment.CheckBakeAsync(agentId);
        var settings = ledger.Settings(agentId);
        var state = await runs.StateAsync(agentId);
        var snapshot = await monitoring.SnapshotAsync(agentId);
        return new AgentAssessment(snapshot, state, settings.Goal, settings.Trigger) { Bake = bake };
    }
}

public static partial class StepCalls
{
    /// <summary>
    /// Calls <see cref="AssessAgentActivity"/>, retried once after a second (not <see cref="ActivityRetry.Default"/>'s
    /// three times with back-off): the next tick checks the agent again, and a failing agent should not hold its batch long.
    /// </summary>
    public static Task<AgentAssessment> AssessAgentAsync(this TaskOrchestrationContext context, string agentId) =>
        context.CallActivityAsync<AgentAssessment>(nameof(AssessAgentActivity), agentId, ActivityRetry.Check);
}
