using Microsoft.Extensions.Logging;
using SelfImprove.Core.Runs;
using SelfImprove.Hosting;
using SelfImprove.Runs;
using SelfImprove.Testing;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.Tests.Hosting;

/// <summary>
/// A run terminated and purged at once while work of it is still in flight (an activity running, a durable timer set),
/// on the in-memory backend: when that work comes back for the purged orchestration, it is dropped once, logged once,
/// and the engine goes on serving other runs. (It used to fail and come back at once, logging an error thousands of
/// times a second for ever.)
/// </summary>
public sealed class PurgeWhileInFlightTests
{
    private const string HotLoopError = "Could not find an orchestration instance ID";
    private static readonly ApprovalDecision Approve = new(true, "ana", null);

    [Fact]
    public async Task An_activity_that_finishes_after_its_run_was_terminated_and_purged_is_dropped_once()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var steps = new ScriptedSteps { HoldTrial = hold.Task };
        using var logs = new CapturedLogs();
        await using var loop = await ScriptedLoop.StartAsync(steps, loggerFactory: logs.Factory);
        var runId = await loop.StartRunAsync();
        await UntilAsync(async () => (await loop.Host.Runs.GetAsync(runId))?.WaitingForApproval == true, "the run to wait for approval");
        Assert.Equal(ApprovalOutcome.Accepted, (await loop.Host.ApproveAsync(runId, Approve)).Outcome);
        await UntilAsync(() => Task.FromResult(steps.Calls.Contains("trial v2")), "the trial activity to start");

        await TerminateAndPurgeAsync(loop, runId);
        hold.SetResult(); // the trial activity finishes and reports to an orchestration that no longer exists

        await AssertDroppedOnceAsync(logs, runId, "TaskCompleted");
        await AssertEngineStillRunsAsync(loop, steps);
    }

    [Fact]
    public async Task A_timer_that_fires_after_its_run_was_terminated_and_purged_is_dropped_once()
    {
        var steps = new ScriptedSteps();
        using var logs = new CapturedLogs();
        await using var loop = await ScriptedLoop.StartAsync(steps, m => m["approval"]!["timeout"] = "00:00:02", loggerFactory: logs.Factory);
        var runId = await loop.StartRunAsync();
        await UntilAsync(async () => (await loop.Host.Runs.GetAsync(runId))?.WaitingForApproval == true, "the run to wait for approval");

        await TerminateAndPurgeAsync(loop, runId); // the approval timeout's timer is still set

        await AssertDroppedOnceAsync(logs, runId, "TimerFired");
        await AssertEngineStillRunsAsync(loop, steps);
    }

    private static async Task TerminateAndPurgeAsync(ScriptedLoop loop, string runId)
    {
        Assert.Equal(RunCommandOutcome.Done, (await loop.Host.Runs.TerminateAsync(runId, "operator stopped it")).Outcome);
        var purged = await loop.Host.Runs.PurgeAsync(runId);
        Assert.Equal(RunCommandOutcome.Done, purged.Outcome);
        Assert.Equal(1, purged.Purged);
    }

    /// <summary>The late work is dropped with one warning, and nothing more is logged about it afterwards.</summary>
    private static async Task AssertDroppedOnceAsync(CapturedLogs logs, string runId, string eventType)
    {
        await UntilAsync(() => Task.FromResult(logs.Count(ReconcilingOrchestrationService.DroppedMarker) > 0), "the late message to be dropped", TimeSpan.FromSeconds(10));
        var before = logs.Lines.Count;
        await Task.Delay(TimeSpan.FromSeconds(1)); // a hot loop would log thousands of lines in this second
        var after = logs.Lines.Skip(before).ToList();
        Assert.True(after.Count < 20, $"{after.Count} lines logged in the second after the drop:\n{string.Join("\n", after.Take(20).Select(l => l.Text))}");

        var dropped = Assert.Single(logs.Lines, l => l.Text.Contains(ReconcilingOrchestrationService.DroppedMarker, StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, dropped.Level);
        Assert.Contains(runId, dropped.Text);
        Assert.Contains(eventType, dropped.Text);
        Assert.Contains("does not exist", dropped.Text);
        Assert.Equal(0, logs.Count(HotLoopError));
        Assert.DoesNotContain(logs.Lines, l => l.Level >= LogLevel.Error);
    }

    /// <summary>The agent is free and a new run goes through to the end on the same engine.</summary>
    private static async Task AssertEngineStillRunsAsync(ScriptedLoop loop, ScriptedSteps steps)
    {
        steps.HoldTrial = Task.CompletedTask;
        var report = await loop.FinishAsync(await loop.StartRunAsync(), Approve);
        Assert.Equal(RunStatus.Promoted, report.Status);
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited in vain for {what}");
            await Task.Delay(50);
        }
    }
}
