using SelfImprove.Core.Runs;
using SelfImprove.Core.Manifests;
using SelfImprove.Workflows.Steps;
using SelfImprove.Storage;
using SelfImprove.Testing;
using SelfImprove.Workflows;
using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Steps.Tests;

/// <summary>The run lock and <see cref="RunStarter"/>: one run per agent, and no agent locked for good by a run that died.</summary>
public sealed class RunLedgerTests : IDisposable
{
    private readonly TempDirectory folder = new();
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
    private readonly AgentCatalog catalog;
    private readonly RunLedger ledger;
    private readonly FakeScheduler scheduler = new();
    private readonly RunStarter starter;

    public RunLedgerTests()
    {
        var manifest = ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder));
        catalog = new AgentCatalog([manifest]);
        ledger = new RunLedger(catalog, new LocalArtifactStore(folder.Combine("store")), clock);
        starter = new RunStarter(ledger, scheduler, clock);
    }

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task A_second_start_while_a_run_is_active_gets_the_running_run()
    {
        var first = await starter.StartAsync(new RunStartRequest("support-router", "drift", Manual: false));
        var second = await starter.StartAsync(new RunStartRequest("support-router", "again", Manual: true));

        Assert.True(first.Started);
        Assert.False(second.Started);
        Assert.Equal(first.RunId, second.RunId);
        Assert.Equal([first.RunId], scheduler.Scheduled);
    }

    [Fact]
    public async Task The_lock_of_a_terminated_run_is_released_by_the_next_start()
    {
        var first = await starter.StartAsync(new RunStartRequest("support-router", "drift", Manual: false));
        scheduler.States[first.RunId] = RunInstanceState.Ended;

        var second = await starter.StartAsync(new RunStartRequest("support-router", "again", Manual: true));

        Assert.True(second.Started);
        Assert.Equal("support-router-2", second.RunId);
    }

    [Fact]
    public async Task A_lock_whose_run_was_never_scheduled_is_kept_for_the_grace_period_then_released()
    {
        // The process died between taking the lock and scheduling the run.
        var opened = await ledger.OpenAsync(new RunStartRequest("support-router", "drift", Manual: false));

        Assert.Equal(opened.RunId, await starter.RunningAsync("support-router"));
        clock.Advance(RunStarter.SchedulingGrace + TimeSpan.FromSeconds(1));
        Assert.Null(await starter.RunningAsync("support-router"));
        Assert.True((await starter.StartAsync(new RunStartRequest("support-router", "again", Manual: true))).Started);
    }

    [Fact]
    public async Task A_dead_run_is_released_once_even_when_two_callers_find_it()
    {
        var first = await starter.StartAsync(new RunStartRequest("support-router", "drift", Manual: false));
        scheduler.States[first.RunId] = RunInstanceState.Ended;

        Assert.True(await ledger.ReleaseAsync("support-router", first.RunId));
        var next = await ledger.OpenAsync(new RunStartRequest("support-router", "next", Manual: true));
        Assert.False(await ledger.ReleaseAsync("support-router", first.RunId));

        Assert.Equal(next.RunId, (await ledger.RunningAsync("support-router"))!.RunId);
    }

    [Fact]
    public async Task Concurrent_opens_take_one_number_and_a_released_runs_number_is_never_reused()
    {
        var opened = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => ledger.OpenAsync(new RunStartRequest("support-router", "drift", Manual: false))));

        var winner = Assert.Single(opened, o => o.Started);
        Assert.All(opened, o => Assert.Equal(winner.RunId, o.RunId));
        Assert.Single(Directory.GetFiles(folder.Combine("store", "agents", "support-router", "runs")));

        Assert.True(await ledger.ReleaseAsync("support-router", winner.RunId));
        var next = await ledger.OpenAsync(new RunStartRequest("support-router", "again", Manual: true));
        Assert.Equal("support-router-2", next.RunId);
    }

    [Fact]
    public async Task A_close_that_checked_its_lock_never_deletes_a_lock_another_run_took_in_between()
    {
        var inner = new LocalArtifactStore(folder.Combine("store"));
        var racing = new InterleavingStore(inner);
        var slow = new RunLedger(catalog, racing, clock);
        var first = await slow.OpenAsync(new RunStartRequest("support-router", "drift", Manual: false));
        RunStartResult? second = null;
        // Between the close's check of the holder and its delete, the first run's lock is released (e.g. by a terminate)
        // and the next run takes it.
        racing.BeforeLockDelete = async () =>
        {
            Assert.True(await ledger.ReleaseAsync("support-router", first.RunId));
            second = await ledger.OpenAsync(new RunStartRequest("support-router", "next", Manual: true));
        };

        await slow.CloseAsync(Report(first.RunId));

        Assert.True(second!.Started);
        Assert.Equal(second.RunId, (await ledger.RunningAsync("support-router"))!.RunId);
    }

    [Fact]
    public async Task A_release_that_checked_the_holder_never_deletes_a_lock_another_run_took_in_between()
    {
        var racing = new InterleavingStore(new LocalArtifactStore(folder.Combine("store")));
        var slow = new RunLedger(catalog, racing, clock);
        var first = await slow.OpenAsync(new RunStartRequest("support-router", "drift", Manual: false));
        RunStartResult? second = null;
        racing.BeforeLockDelete = async () =>
        {
            await ledger.CloseAsync(Report(first.RunId));
            second = await ledger.OpenAsync(new RunStartRequest("support-router", "next", Manual: true));
        };

        Assert.False(await slow.ReleaseAsync("support-router", first.RunId));

        Assert.Equal(second!.RunId, (await ledger.RunningAsync("support-router"))!.RunId);
    }

    [Fact]
    public async Task A_hold_refuses_run_starts_and_a_run_refuses_holds()
    {
        var hold = await ledger.TryHoldAsync("support-router", "rollback");
        Assert.True(hold.Taken);
        Assert.Matches("^rollback-[0-9a-f]{12}$", hold.HolderId);

        var refused = await starter.StartAsync(new RunStartRequest("support-router", "drift", Manual: false));
        Assert.False(refused.Started);
        Assert.Equal(hold.HolderId, refused.RunId);
        Assert.Contains("a rollback of 'support-router'", refused.Message);
        Assert.True(ServingRollback.IsRollbackHold(refused.RunId));
        Assert.Empty(scheduler.Scheduled);

        Assert.True(await ledger.ReleaseHoldAsync(hold));
        Assert.False(await ledger.ReleaseHoldAsync(hold));
        var run = await starter.StartAsync(new RunStartRequest("support-router", "drift", Manual: false));
        Assert.True(run.Started);
        Assert.False(ServingRollback.IsRollbackHold(run.RunId));

        var busy = await ledger.TryHoldAsync("support-router", "rollback");
        Assert.False(busy.Taken);
        Assert.Equal(run.RunId, busy.HolderId);
        Assert.Equal(run.RunId, (await ledger.RunningAsync("support-router"))!.RunId);
    }

    [Fact]
    public async Task A_hold_whose_process_died_is_released_after_the_grace_period_without_using_a_run_number()
    {
        var hold = await ledger.TryHoldAsync("support-router", "rollback");

        Assert.Equal(hold.HolderId, await starter.RunningAsync("support-router"));
        clock.Advance(RunStarter.SchedulingGrace + TimeSpan.FromSeconds(1));
        var run = await starter.StartAsync(new RunStartRequest("support-router", "drift", Manual: false));

        Assert.True(run.Started);
        Assert.Equal("support-router-1", run.RunId);
    }

    private static ImprovementReport Report(string runId) => new()
    {
        RunId = runId, AgentId = "support-router", Status = RunStatus.Rejected, Reason = "test", Goal = new GoalReport("accuracy", 0.85),
        Metrics = new MetricsReport(0, 0, null),
    };

    private sealed class FakeScheduler : IRunScheduler
    {
        public List<string> Scheduled { get; } = [];
        public Dictionary<string, RunInstanceState> States { get; } = [];

        public Task ScheduleAsync(RunInput input, CancellationToken cancellationToken = default)
        {
            lock (Scheduled) Scheduled.Add(input.RunId);
            States[input.RunId] = RunInstanceState.Active;
            return Task.CompletedTask;
        }

        public Task<RunInstanceState> StateAsync(string runId, CancellationToken cancellationToken = default) =>
            Task.FromResult(States.GetValueOrDefault(runId, RunInstanceState.Missing));
    }
}
