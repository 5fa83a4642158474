using System.Collections.Concurrent;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core.Runs;
using SelfImprove.Runs;
using SelfImprove.Steps;
using SelfImprove.Testing;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.Tests.ImprovementRun;

/// <summary>An approval decision reaches its run as exactly one event: refused and replayed requests raise none.</summary>
public sealed class ApprovalDeliveryTests
{
    private static readonly ApprovalDecision Approve = new(true, "ana", "looks good");

    [Fact]
    public async Task Of_twenty_parallel_approvals_one_is_accepted_and_raises_the_only_event_and_replays_raise_none()
    {
        var events = new CountingRunEvents();
        var trial = new TaskCompletionSource();
        var steps = new ScriptedSteps { HoldTrial = trial.Task };
        await using var loop = await ScriptedLoop.StartAsync(steps, configure: services => services.AddSingleton<IRunEvents>(events));
        var runId = await loop.StartRunAsync();
        var token = await loop.ApprovalTokenAsync(runId);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => loop.Host.Runs.DecideAsync(runId, token, new ApprovalDecision(true, $"person-{i}", null)))));

        Assert.Equal(1, results.Count(r => r.Outcome == ApprovalOutcome.Accepted));
        Assert.Equal(19, results.Count(r => r.Outcome == ApprovalOutcome.AlreadyDecided));
        var accepted = results.Single(r => r.Outcome == ApprovalOutcome.Accepted).Standing!.Decision;
        Assert.Equal(accepted, Assert.Single(events.Approvals(runId)));
        Assert.All(results, r => Assert.Equal(accepted, r.Standing!.Decision));
        Assert.False((await loop.Host.Services.GetRequiredService<ApprovalTokens>().DeliveryAsync(runId))!.Redelivery);

        // The run moves on (its trial holds it running) and the used token comes again: refused, nothing raised.
        await WaitForAsync(() => steps.Calls.Any(c => c.StartsWith("trial")));
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await loop.Host.Runs.GetAsync(runId))!.RuntimeStatus);
        for (var i = 0; i < 3; i++)
            Assert.Equal(ApprovalOutcome.AlreadyDecided, (await loop.Host.Runs.DecideAsync(runId, token, Approve)).Outcome);
        Assert.Single(events.Approvals(runId));

        trial.SetResult();
        var report = await loop.FinishAsync(runId);
        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Equal(accepted.By, report.Approval!.By);
        Assert.Equal(ApprovalOutcome.AlreadyDecided, (await loop.Host.Runs.DecideAsync(runId, token, Approve)).Outcome);
        Assert.Single(events.Approvals(runId));
    }

    [Fact]
    public async Task A_decision_recorded_without_its_event_is_redelivered_once_after_the_grace_period()
    {
        var grace = TimeSpan.FromSeconds(2);
        var events = new CountingRunEvents();
        var steps = new ScriptedSteps();
        await using var loop = await ScriptedLoop.StartAsync(steps, configure: services =>
        {
            services.AddSingleton<IRunEvents>(events);
            services.Configure<LoopOptions>(o => o.ApprovalRedeliveryGrace = grace);
        });
        var runId = await loop.StartRunAsync();
        var token = await loop.ApprovalTokenAsync(runId);
        var approvals = loop.Host.Services.GetRequiredService<ApprovalTokens>();

        // The host that recorded the decision died before raising its event.
        var (recorded, decision) = await approvals.RecordAsync(runId, token, Approve);
        Assert.True(recorded);

        var early = await loop.Host.Runs.DecideAsync(runId, token, new ApprovalDecision(false, "bob", null));
        Assert.Equal(ApprovalOutcome.AlreadyDecided, early.Outcome);
        Assert.True(DateTimeOffset.UtcNow - decision.DecidedAt < grace, "the first retry must come within the grace period");
        Assert.Empty(events.Approvals(runId));

        var wait = decision.DecidedAt + grace - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait + TimeSpan.FromMilliseconds(100));
        var late = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            Task.Run(() => loop.Host.Runs.DecideAsync(runId, token, new ApprovalDecision(false, "bob", null)))));

        Assert.All(late, r => Assert.Equal(ApprovalOutcome.AlreadyDecided, r.Outcome));
        Assert.Equal(Approve, Assert.Single(events.Approvals(runId)));
        Assert.True((await approvals.DeliveryAsync(runId))!.Redelivery);
        var report = await loop.FinishAsync(runId);
        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Equal(new ApprovalReport(ApprovalVerdict.Approved, "ana"), report.Approval);
        Assert.Single(events.Approvals(runId));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the run never got there");
            await Task.Delay(50);
        }
    }

    /// <summary>Raises through the durable client and keeps every event that went out.</summary>
    private sealed class CountingRunEvents : IRunEvents
    {
        private readonly ConcurrentQueue<(string RunId, string EventName, object? Payload)> raised = new();

        public async Task RaiseAsync(DurableTaskClient client, string runId, string eventName, object? payload, CancellationToken cancellationToken = default)
        {
            await client.RaiseEventAsync(runId, eventName, payload, cancellationToken);
            raised.Enqueue((runId, eventName, payload));
        }

        public IReadOnlyList<ApprovalDecision> Approvals(string runId) =>
            raised.Where(e => e.RunId == runId && e.EventName == RunEvents.Approval).Select(e => (ApprovalDecision)e.Payload!).ToList();
    }
}
