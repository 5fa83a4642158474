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

/// <summary>One agent's assessment within a batch, or why it could not be taken.</summary>
/// <param name="AgentId">The agent.</param>
/// <param name="Assessment">What the check found; null when it failed.</param>
/// <param name="Failure">Why the check failed (the exception's type and message, after one retry); null when it did not.</param>
public sealed record AgentAssessmentResult(string AgentId, AgentAssessment? Assessment, string? Failure);

/// <summary>
/// A batch of a monitoring tick's checks in one activity (the tick calls it once per batch): every agent's check at once,
/// each the bake watch over a recent promotion (<see cref="IDeploymentStep.CheckBakeAsync"/>; it returns at once when
/// <c>deployment.bakeTime</c> is 0), the run state, the settings and the snapshot, which scores the serving version for
/// real. One activity per batch rather than per agent: on the Azure Storage provider every activity is a queue message
/// and history rows, which cost more than a warm check itself. A check that throws is retried once at once (a transient
/// store error) and then reported in its <see cref="AgentAssessmentResult.Failure"/>; the batch's other checks go on.
/// </summary>
public sealed class AssessAgentsActivity(IMonitoringStep monitoring, IDeploymentStep deployment, IRunLedger ledger, ImprovementRun.RunStarter runs)
    : TaskActivity<string[], AgentAssessmentResult[]>
{
    public override async Task<AgentAssessmentResult[]> RunAsync(TaskActivityContext context, string[] agentIds) =>
        await Task.WhenAll(agentIds.Select(TryAssessAsync));

    private async Task<AgentAssessmentResult> TryAssessAsync(string agentId)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new AgentAssessmentResult(agentId, await AssessAsync(agentId), null);
            }
            catch (Exception e) when (attempt < 2 && !ActivityRetry.IsPermanent(e))
            {
            }
            catch (Exception e)
            {
                return new AgentAssessmentResult(agentId, null, $"{e.GetType().FullName}: {e.Message}");
            }
        }
    }

    private async Task<AgentAssessment> AssessAsync(string agentId)
    {
        // Off the caller's thread at once: a check's synchronous start (loading the agent's data) does not hold up the batch's others.
        await Task.Yield();
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
    /// Calls <see cref="AssessAgentsActivity"/> for one batch, retried once after a second as a whole (its host died, say):
    /// its checks' own failures come back in the results, and the next tick checks a failed agent again.
    /// </summary>
    public static Task<AgentAssessmentResult[]> AssessAgentsAsync(this TaskOrchestrationContext context, IReadOnlyList<string> agentIds) =>
        context.CallActivityAsync<AgentAssessmentResult[]>(nameof(AssessAgentsActivity), agentIds.ToArray(), ActivityRetry.Check);
}
