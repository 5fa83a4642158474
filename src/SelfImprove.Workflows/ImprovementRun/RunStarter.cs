using SelfImprove.Core.Monitoring;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.ImprovementRun;

/// <summary>
/// Starts improvement runs, one per agent at a time: the ledger takes the agent's lock atomically, then the run's
/// orchestration is scheduled under the run id. A lock whose run has ended without closing (terminated, or the
/// process died between taking the lock and scheduling) is released first, so an agent is never locked for good.
/// Used by monitoring (through an activity) and by the HTTP API (manual runs).
/// </summary>
public sealed class RunStarter(IRunLedger ledger, IRunScheduler scheduler, TimeProvider clock)
{
    /// <summary>How long a lock may exist before its run's orchestration is scheduled.</summary>
    public static readonly TimeSpan SchedulingGrace = TimeSpan.FromMinutes(1);

    public async Task<RunStartResult> StartAsync(RunStartRequest request, CancellationToken cancellationToken = default)
    {
        await ReleaseIfAbandonedAsync(request.AgentId, cancellationToken);
        var opened = await ledger.OpenAsync(request, cancellationToken);
        if (opened.Started)
            await scheduler.ScheduleAsync(new RunInput(opened.RunId, request.AgentId, request.Reason, request.Manual), cancellationToken);
        return opened;
    }

    /// <summary>The run holding the agent's lock after releasing an abandoned one; null when the agent is free.</summary>
    public async Task<string?> RunningAsync(string agentId, CancellationToken cancellationToken = default)
    {
        await ReleaseIfAbandonedAsync(agentId, cancellationToken);
        return (await ledger.RunningAsync(agentId, cancellationToken))?.RunId;
    }

    /// <summary>The agent's run state for the trigger policy, without a dead run's lock.</summary>
    public async Task<AgentRunState> StateAsync(string agentId, CancellationToken cancellationToken = default)
    {
        await ReleaseIfAbandonedAsync(agentId, cancellationToken);
        return await ledger.StateAsync(agentId, cancellationToken);
    }

    private async Task ReleaseIfAbandonedAsync(string agentId, CancellationToken cancellationToken)
    {
        if (await ledger.RunningAsync(agentId, cancellationToken) is not { } open) return;
        var state = await scheduler.StateAsync(open.RunId, cancellationToken);
        var abandoned = state == RunInstanceState.Ended
                        || (state == RunInstanceState.Missing && clock.GetUtcNow() - open.OpenedAt > SchedulingGrace);
        if (abandoned) await ledger.ReleaseAsync(agentId, open.RunId, cancellationToken);
    }
}
