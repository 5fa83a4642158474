using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Monitoring;
using SelfImprove.Hosting;
using SelfImprove.Runs;
using SelfImprove.Steps;
using SelfImprove.Testing;
using SelfImprove.Workflows.Monitoring;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.Tests.Monitoring;

/// <summary>
/// A monitoring tick over many agents on the embedded host: checks in flight together, a failing check named while the
/// rest complete, a tick that continues as new keeping its result, overlapping ticks that start one run per agent, and a tick skipped while the previous one runs.
/// </summary>
public sealed class MonitorTickOrchestratorTests
{
    private static readonly DateTimeOffset Noon = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_tick_over_200_agents_has_more_than_one_check_in_flight_and_checks_every_agent()
    {
        // The first ten checks wait for each other: the tick gets past them only if ten are in flight at once.
        var monitoring = new FleetMonitoring(0.95) { Rendezvous = 10 };
        await using var fleet = await Fleet.StartAsync(200, monitoring);

        var tick = await fleet.Runs.StartMonitoringTickAsync(Noon.AddMinutes(-15), Noon);
        var result = await fleet.Runs.WaitForMonitoringTickAsync(tick.TickId).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(MonitoringTickOutcome.Started, tick.Outcome);
        Assert.Equal(200, tick.Due.Count);
        Assert.Equal(200, result.Checked);
        Assert.Equal([new OutcomeCount(TriggerOutcome.Healthy, 200)], result.Outcomes);
        Assert.True(monitoring.MaxInFlight >= 10, $"at most {monitoring.MaxInFlight} check(s) were in flight at once");
        Assert.Equal(200, monitoring.Checked.Distinct().Count());
    }

    [Fact]
    public async Task A_check_that_throws_is_named_in_the_result_and_the_others_complete()
    {
        var monitoring = new FleetMonitoring(0.95) { Throws = "agent-007" };
        await using var fleet = await Fleet.StartAsync(30, monitoring);

        var tick = await fleet.Runs.StartMonitoringTickAsync(Noon.AddMinutes(-15), Noon, batchSize: 10, batchesInFlight: 2);
        var result = await fleet.Runs.WaitForMonitoringTickAsync(tick.TickId).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(30, result.Due);
        Assert.Equal(29, result.Checked);
        var failure = Assert.Single(result.Failed);
        Assert.Equal("agent-007", failure.AgentId);
        Assert.Contains("the feedback store of agent-007 is unreachable", failure.Error);
        Assert.Equal([new OutcomeCount(TriggerOutcome.Healthy, 29)], result.Outcomes);
    }

    [Fact]
    public async Task A_tick_that_continues_as_new_keeps_what_its_earlier_generations_found()
    {
        var monitoring = new FleetMonitoring(0.95) { Throws = "agent-002" };
        await using var fleet = await Fleet.StartAsync(12, monitoring);

        // Generations of 5 agents: the failure is in the first, the tick's result comes from the third.
        var tick = await fleet.Runs.StartMonitoringTickAsync(Noon.AddMinutes(-15), Noon, batchSize: 2, checksPerGeneration: 5);
        var result = await fleet.Runs.WaitForMonitoringTickAsync(tick.TickId).WaitAsync(TimeSpan.FromMinutes(1));
        var last = await fleet.Host.Client.GetInstanceAsync(tick.TickId, getInputsAndOutputs: true);

        Assert.Equal(10, last!.ReadInputAs<MonitorTickInput>()!.Checked);
        Assert.Equal(12, result.Due);
        Assert.Equal(11, result.Checked);
        Assert.Equal("agent-002", Assert.Single(result.Failed).AgentId);
        Assert.Equal([new OutcomeCount(TriggerOutcome.Healthy, 11)], result.Outcomes);
        Assert.Equal(fleet.AgentIds.Where(a => a != "agent-002"), monitoring.Checked.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Each_check_runs_the_bake_watch_and_the_tick_names_what_it_rolled_back()
    {
        var rolledBack = new BakeCheck(Core.Deployment.BakeState.RolledBack, "v2", "rolled back from v2 to v1: live accuracy fell");
        await using var fleet = await Fleet.StartAsync(3, new FleetMonitoring(0.95), bake: rolledBack);

        var tick = await fleet.Runs.StartMonitoringTickAsync(Noon.AddMinutes(-15), Noon);
        var result = await fleet.Runs.WaitForMonitoringTickAsync(tick.TickId).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(3, result.Checked);
        Assert.Equal([rolledBack, rolledBack, rolledBack], result.Bakes);
    }

    [Fact]
    public async Task Overlapping_ticks_start_at_most_one_run_per_agent()
    {
        var monitoring = new FleetMonitoring(0.70);
        await using var fleet = await Fleet.StartAsync(12, monitoring);

        // Two ticks over the same drifted agents at once (two processes, or a tick slower than the timer).
        var first = await fleet.Runs.StartMonitoringTickAsync(Noon.AddMinutes(-15), Noon, batchSize: 3);
        var second = await fleet.Runs.StartMonitoringTickAsync(Noon.AddMinutes(-30), Noon.AddSeconds(1), batchSize: 5);
        var results = await Task.WhenAll(fleet.Runs.WaitForMonitoringTickAsync(first.TickId), fleet.Runs.WaitForMonitoringTickAsync(second.TickId))
            .WaitAsync(TimeSpan.FromMinutes(1));

        var started = results.SelectMany(r => r.Started).ToArray();
        Assert.Equal(fleet.AgentIds, started.Select(s => s.AgentId).Order(StringComparer.Ordinal));
        Assert.All(started, s => Assert.Equal($"{s.AgentId}-1", s.RunId));
        Assert.All(results, r => Assert.Empty(r.Failed));
        foreach (var agentId in fleet.AgentIds)
            Assert.Equal($"{agentId}-1", (await fleet.Host.Services.GetRequiredService<RunLedger>().StateAsync(agentId)).RunningRunId);
    }

    [Fact]
    public async Task A_tick_starts_at_most_its_limit_of_runs_across_generations_and_defers_the_other_drifted_agents()
    {
        await using var fleet = await Fleet.StartAsync(12, new FleetMonitoring(0.70));

        // Generations of 4 agents in batches of 2: the limit holds across batches in flight and across generations.
        var tick = await fleet.Runs.StartMonitoringTickAsync(Noon.AddMinutes(-15), Noon, batchSize: 2, batchesInFlight: 2, checksPerGeneration: 4, maxRunsStarted: 5);
        var result = await fleet.Runs.WaitForMonitoringTickAsync(tick.TickId).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(5, result.Started.Count);
        Assert.Equal([new OutcomeCount(TriggerOutcome.Start, 5), new OutcomeCount(TriggerOutcome.Deferred, 7)], result.Outcomes);
        Assert.Empty(result.Failed);
        var ledger = fleet.Host.Services.GetRequiredService<RunLedger>();
        var running = new List<string>();
        foreach (var agentId in fleet.AgentIds)
            if ((await ledger.StateAsync(agentId)).RunningRunId is not null) running.Add(agentId);
        Assert.Equal(result.Started.Select(s => s.AgentId), running);
    }

    [Fact]
    public async Task A_tick_is_skipped_while_the_previous_one_runs_and_the_next_covers_its_window()
    {
        var monitoring = new FleetMonitoring(0.95) { Hold = new TaskCompletionSource() };
        await using var fleet = await Fleet.StartAsync(3, monitoring, schedule: "0 * * * * *");

        var running = await fleet.Runs.StartMonitoringTickAsync(Noon.AddMinutes(-1), Noon);
        var skipped = await fleet.Runs.StartMonitoringTickAsync(Noon, Noon.AddMinutes(1));
        monitoring.Hold.SetResult();
        await fleet.Runs.WaitForMonitoringTickAsync(running.TickId).WaitAsync(TimeSpan.FromMinutes(1));
        // The caller kept its window start, so this tick covers the skipped minute too.
        var next = await fleet.Runs.StartMonitoringTickAsync(Noon, Noon.AddMinutes(2));
        var again = await fleet.Runs.StartMonitoringTickAsync(Noon, Noon.AddMinutes(2));

        Assert.Equal(MonitoringTickOutcome.Skipped, skipped.Outcome);
        Assert.Equal(running.TickId, skipped.RunningTickId);
        Assert.Empty(skipped.Due);
        Assert.Equal(MonitoringTickOutcome.Started, next.Outcome);
        Assert.Equal(3, next.Due.Count);
        Assert.Equal(MonitoringTickOutcome.AlreadyStarted, again.Outcome);
        Assert.Equal(3, (await fleet.Runs.WaitForMonitoringTickAsync(next.TickId).WaitAsync(TimeSpan.FromMinutes(1))).Checked);
    }

    [Fact]
    public async Task Only_the_agents_whose_schedule_fires_within_the_window_are_due()
    {
        await using var fleet = await Fleet.StartAsync(2, new FleetMonitoring(0.95), schedule: "0 */15 * * * *");

        var quiet = await fleet.Runs.StartMonitoringTickAsync(Noon.AddMinutes(1), Noon.AddMinutes(6));
        Assert.Equal(0, (await fleet.Runs.WaitForMonitoringTickAsync(quiet.TickId).WaitAsync(TimeSpan.FromMinutes(1))).Due);
        var due = await fleet.Runs.StartMonitoringTickAsync(Noon.AddMinutes(6), Noon.AddMinutes(15));

        Assert.Empty(quiet.Due);
        Assert.Equal(fleet.AgentIds, due.Due);
        Assert.Equal(2, (await fleet.Runs.WaitForMonitoringTickAsync(due.TickId).WaitAsync(TimeSpan.FromMinutes(1))).Checked);
    }

    /// <summary>
    /// Scores every agent at <paramref name="feedbackValue"/> and counts the checks in flight; optionally makes the first
    /// <see cref="Rendezvous"/> checks wait for each other, holds every check, or throws for one agent.
    /// </summary>
    private sealed class FleetMonitoring(double feedbackValue) : IMonitoringStep
    {
        private readonly TaskCompletionSource together = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int inFlight;
        private int arrived;
        private int maxInFlight;

        public int Rendezvous { get; init; }
        public TaskCompletionSource? Hold { get; init; }
        public string? Throws { get; init; }
        public int MaxInFlight => Volatile.Read(ref maxInFlight);
        public System.Collections.Concurrent.ConcurrentBag<string> Checked { get; } = [];

        public async Task<MonitoringSnapshot> SnapshotAsync(string agentId, CancellationToken cancellationToken = default)
        {
            var now = Interlocked.Increment(ref inFlight);
            for (var seen = MaxInFlight; now > seen && Interlocked.CompareExchange(ref maxInFlight, now, seen) != seen; seen = MaxInFlight) { }
            try
            {
                var arrival = Interlocked.Increment(ref arrived);
                if (arrival <= Rendezvous)
                {
                    if (arrival == Rendezvous) together.TrySetResult();
                    // Bounded, so a tick that runs one check at a time fails the test's assertion instead of hanging.
                    await Task.WhenAny(together.Task, Task.Delay(TimeSpan.FromSeconds(20), cancellationToken));
                }
                if (Hold is not null) await Hold.Task;
                if (agentId == Throws) throw new InvalidOperationException($"the feedback store of {agentId} is unreachable");
                Checked.Add(agentId);
                return new MonitoringSnapshot(agentId, ScriptedSteps.Serving, GoalMetric.Accuracy, 0.95, 320, feedbackValue, 500);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }

    /// <summary>Many copies of the demo agent (<c>agent-001</c>, …) on the embedded host, with scripted steps.</summary>
    private sealed class Fleet : IAsyncDisposable
    {
        private readonly TempDirectory folder;

        private Fleet(TempDirectory folder, LoopHost host, IReadOnlyList<string> agentIds)
        {
            this.folder = folder;
            Host = host;
            AgentIds = agentIds;
        }

        public LoopHost Host { get; }
        public RunClient Runs => Host.Runs;
        public IReadOnlyList<string> AgentIds { get; }

        public static async Task<Fleet> StartAsync(int agents, FleetMonitoring monitoring, string schedule = "0 0 * * * *", BakeCheck? bake = null)
        {
            var folder = new TempDirectory();
            var manifest = ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder, m =>
            {
                m["goal"]!["target"] = 0.85;
                m["goal"]!["acceptableRange"]!["min"] = 0.82;
                m["monitoring"]!["schedule"] = schedule;
            }));
            var many = Enumerable.Range(1, agents).Select(i => manifest with { Manifest = manifest.Manifest with { AgentId = $"agent-{i:D3}" } }).ToArray();
            var steps = new ScriptedSteps();
            if (bake is not null) steps.Bake = bake;
            var host = await LoopHost.StartAsync(
                loop =>
                {
                    loop.Agents = many;
                    loop.StoreDirectory = folder.Combine("store");
                },
                services =>
                {
                    services.AddStepsFrom(steps);
                    services.AddSingleton<IMonitoringStep>(monitoring);
                });
            return new Fleet(folder, host, many.Select(m => m.Manifest.AgentId).ToArray());
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            folder.Dispose();
        }
    }
}
