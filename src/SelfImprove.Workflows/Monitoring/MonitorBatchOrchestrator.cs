using SelfImprove.Core.Deployment;
using Microsoft.DurableTask;
using SelfImprove.Core.Monitoring;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.Monitoring;

/// <summary>Input of one batch of a monitoring tick.</summary>
/// <param name="AgentIds">The batch's agents (at most <see cref="MonitorTickLimits.MaxBatchSize"/>).</param>
public sealed record MonitorBatchInput(IReadOnlyList<string> AgentIds);

/// <summary>
/// One batch of a tick (<see cref="MonitorTickOrchestrator"/>): one <see cref="AssessAgentsActivity"/> checks every agent
/// of the batch at once, the trigger policy runs on each with the orchestration's clock, then <c>StartRun</c> for those it
/// says to start (the run lock decides between overlapping ticks). A check that throws becomes a
/// <see cref="AgentCheck.Failure"/>; the others go on.
/// </summary>
public sealed class MonitorBatchOrchestrator : TaskOrchestrator<MonitorBatchInput, IReadOnlyList<AgentCheck>>
{
    public override Task<IReadOnlyList<AgentCheck>> RunAsync(TaskOrchestrationContext context, MonitorBatchInput input) =>
        CheckAllAsync(context, input.AgentIds, RunBudget.Unlimited);

    /// <summary>
    /// The checks of one batch, in the calling orchestration (the tick runs its batches this way); a run is started only
    /// while <paramref name="budget"/> has one left. Throws <see cref="TaskFailedException"/> when the batch's activity
    /// failed as a whole (after its retry).
    /// </summary>
    public static async Task<IReadOnlyList<AgentCheck>> CheckAllAsync(TaskOrchestrationContext context, IReadOnlyList<string> agentIds, RunBudget budget)
    {
        var assessed = await context.AssessAgentsAsync(agentIds);
        return await Task.WhenAll(assessed.Select(a => a.Assessment is { } assessment
            ? CheckAsync(context, a.AgentId, assessment, budget)
            : Task.FromResult(new AgentCheck(a.AgentId, null, null, 0, null, null, a.Failure ?? "the check returned nothing"))));
    }

    private static async Task<AgentCheck> CheckAsync(TaskOrchestrationContext context, string agentId, AgentAssessment assessment, RunBudget budget)
    {
        var check = await DecideAsync(context, agentId, assessment, budget);
        return assessment.Bake is { State: BakeState.RolledBack or BakeState.Busy } bake ? check with { Bake = bake } : check;
    }

    private static async Task<AgentCheck> DecideAsync(TaskOrchestrationContext context, string agentId, AgentAssessment assessment, RunBudget budget)
    {
        var snapshot = assessment.Snapshot;
        var decision = TriggerPolicy.Decide(assessment.Trigger, assessment.Goal, snapshot, assessment.State, context.CurrentUtcDateTime, manual: false);
        var observed = snapshot.ServingVersionId is null ? (double?)null : snapshot.ObservedValue;
        if (!decision.ShouldStart) return new AgentCheck(agentId, decision.Outcome, observed, snapshot.FeedbackCount, decision.Reason, null, null);
        if (!budget.TryTake())
            return new AgentCheck(agentId, TriggerOutcome.Deferred, observed, snapshot.FeedbackCount,
                $"{decision.Reason}; deferred: this tick already started its limit of {budget.Limit} run(s), a later tick checks again", null, null);

        try
        {
            var started = await context.StartRunAsync(new RunStartRequest(agentId, decision.Reason, Manual: false));
            // Another tick (or a person) took the agent's run lock between this check's look and its start.
            if (!started.Started) budget.GiveBack();
            return started.Started
                ? new AgentCheck(agentId, TriggerOutcome.Start, observed, snapshot.FeedbackCount, decision.Reason, started.RunId, null)
                : new AgentCheck(agentId, TriggerOutcome.RunInProgress, observed, snapshot.FeedbackCount, started.Message, null, null);
        }
        catch (TaskFailedException e)
        {
            budget.GiveBack();
            return Failed(agentId, e);
        }
    }

    private static AgentCheck Failed(string agentId, TaskFailedException e) =>
        new(agentId, null, null, 0, null, null, $"{e.FailureDetails.ErrorType}: {e.FailureDetails.ErrorMessage}");
}
