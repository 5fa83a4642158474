using Microsoft.DurableTask;
using SelfImprove.Core.Monitoring;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.Monitoring;

/// <summary>Input of one monitoring check.</summary>
/// <param name="AgentId">The agent to check.</param>
/// <param name="Manual">A person asked for a run: skip the health check and the cooldown.</param>
/// <param name="Reason">A person's note, for manual runs.</param>
public sealed record MonitorInput(string AgentId, bool Manual = false, string? Reason = null);

/// <summary>What the check found and what it did.</summary>
public sealed record MonitorResult(string AgentId, MonitoringSnapshot Snapshot, TriggerDecision Decision, string? RunId, string? Message)
{
    /// <summary>The bake watch's look at the agent's latest promotion (it may have rolled it back before the snapshot).</summary>
    public BakeCheck? Bake { get; init; }
}

/// <summary>
/// One monitoring check: watch a recent promotion through its bake time, score the serving version (why), apply the
/// trigger policy (when), and start an improvement run if it says so. The run is its own orchestration, so a check never waits on a run.
/// </summary>
public sealed class MonitorAgentOrchestrator : TaskOrchestrator<MonitorInput, MonitorResult>
{
    public override async Task<MonitorResult> RunAsync(TaskOrchestrationContext context, MonitorInput input)
    {
        var bake = await context.CheckBakeAsync(input.AgentId);
        var snapshot = await context.TakeSnapshotAsync(input.AgentId);
        var state = await context.GetRunStateAsync(input.AgentId);
        var manifest = await context.LoadRunSettingsAsync(input.AgentId);
        var decision = TriggerPolicy.Decide(manifest.Trigger, manifest.Goal, snapshot, state, context.CurrentUtcDateTime, input.Manual);
        context.SetCustomStatus(decision);
        if (!decision.ShouldStart) return new MonitorResult(input.AgentId, snapshot, decision, null, null) { Bake = bake };

        // The ledger takes the agent's run lock atomically: a concurrent check or request cannot start a second run.
        var started = await context.StartRunAsync(new RunStartRequest(input.AgentId, input.Reason ?? decision.Reason, input.Manual));
        return new MonitorResult(input.AgentId, snapshot, decision, started.RunId, started.Message) { Bake = bake };
    }
}
