using SelfImprove.Workflows.Steps;
using SelfImprove.Testing;
using SelfImprove.Core.Monitoring;

namespace SelfImprove.Workflows.Tests.Monitoring;

/// <summary>The monitoring check applies the trigger policy and starts at most one run per agent.</summary>
public sealed class MonitorAgentOrchestratorTests
{
    [Fact]
    public async Task A_healthy_agent_starts_no_run()
    {
        await using var loop = await ScriptedLoop.StartAsync(new ScriptedSteps { FeedbackValue = 0.90 });

        var check = await loop.Host.Runs.CheckAsync(ScriptedLoop.AgentId);

        Assert.Equal(TriggerOutcome.Healthy, check.Decision.Outcome);
        Assert.Null(check.RunId);
        Assert.Null((await loop.Ledger.StateAsync(ScriptedLoop.AgentId)).RunningRunId);
        Assert.Empty(loop.Steps.Calls);
    }

    [Fact]
    public async Task Each_check_watches_a_recent_promotion_first_and_reports_what_the_bake_watch_did()
    {
        var rolledBack = new BakeCheck(Core.Deployment.BakeState.RolledBack, "v2", "rolled back from v2 to v1: live accuracy fell");
        await using var loop = await ScriptedLoop.StartAsync(new ScriptedSteps { FeedbackValue = 0.90, Bake = rolledBack });

        var check = await loop.Host.Runs.CheckAsync(ScriptedLoop.AgentId);

        Assert.Equal(rolledBack, check.Bake);
        Assert.Equal(TriggerOutcome.Healthy, check.Decision.Outcome);
    }

    [Fact]
    public async Task A_drifted_agent_starts_exactly_one_run_and_later_checks_see_it_running()
    {
        // No answer to the approval: the run stays open while the second check looks.
        await using var loop = await ScriptedLoop.StartAsync(new ScriptedSteps { FeedbackValue = 0.70 });

        var first = await loop.Host.Runs.CheckAsync(ScriptedLoop.AgentId);
        var second = await loop.Host.Runs.CheckAsync(ScriptedLoop.AgentId);

        Assert.Equal(TriggerOutcome.Start, first.Decision.Outcome);
        Assert.Equal("support-router-1", first.RunId);
        Assert.Equal(TriggerOutcome.RunInProgress, second.Decision.Outcome);
        Assert.Null(second.RunId);
        Assert.Equal("support-router-1", (await loop.Ledger.StateAsync(ScriptedLoop.AgentId)).RunningRunId);
    }

    [Fact]
    public async Task After_a_run_the_cooldown_keeps_monitoring_from_starting_another()
    {
        await using var loop = await ScriptedLoop.StartAsync(new ScriptedSteps { FeedbackValue = 0.70 });
        var first = await loop.Host.Runs.CheckAsync(ScriptedLoop.AgentId);
        await loop.FinishAsync(first.RunId!, new ApprovalDecision(false, "ana", null));

        var next = await loop.Host.Runs.CheckAsync(ScriptedLoop.AgentId);
        var manual = await loop.Host.Runs.CheckAsync(ScriptedLoop.AgentId, manual: true);

        Assert.Equal(TriggerOutcome.CoolingDown, next.Decision.Outcome);
        Assert.Null(next.RunId);
        Assert.Equal("support-router-2", manual.RunId);
    }
}
