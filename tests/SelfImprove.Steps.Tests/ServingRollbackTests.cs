using System.Collections.Concurrent;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Models;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Storage;
using SelfImprove.Testing;
using SelfImprove.Workflows;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Steps.Tests;

/// <summary>Rollbacks of the serving version and run starts take the same lock, so they never interleave.</summary>
public sealed class ServingRollbackTests : IDisposable
{
    private const string Agent = "support-router";
    private readonly TempDirectory folder = new();
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
    private readonly RunLedger ledger;
    private readonly ArtifactModelRegistry registry;
    private readonly ServingRollback rollback;
    private readonly DeploymentLedger deployments;
    private readonly ServingAtStart scheduler;
    private readonly RunStarter starter;

    public ServingRollbackTests()
    {
        // A millisecond per storage call, as remote storage takes at least: the window a rollback's check-then-write would leave open.
        var store = new InterleavingStore(new LocalArtifactStore(folder.Combine("store")), TimeSpan.FromMilliseconds(1));
        registry = new ArtifactModelRegistry(store, clock);
        ledger = new RunLedger(new AgentCatalog([ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder))]), store, clock);
        deployments = new DeploymentLedger(store);
        rollback = new ServingRollback(ledger, registry, deployments);
        scheduler = new ServingAtStart(registry);
        starter = new RunStarter(ledger, scheduler, clock);
    }

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Rollback_walks_back_along_parents_and_is_refused_while_a_run_holds_the_agent()
    {
        await ChainAsync(3);

        var first = await rollback.RollbackAsync(Agent);
        Assert.Equal(RollbackOutcome.RolledBack, first.Outcome);
        Assert.Equal(("v2", "v3"), (first.Serving!.VersionId, first.Serving.PreviousVersionId));

        var run = await starter.StartAsync(new RunStartRequest(Agent, "drift", Manual: true));
        var busy = await rollback.RollbackAsync(Agent);
        Assert.Equal(RollbackOutcome.Busy, busy.Outcome);
        Assert.Equal(run.RunId, busy.HeldBy);
        Assert.Equal("v2", (await registry.GetServingAsync(Agent))!.VersionId);

        Assert.True(await ledger.ReleaseAsync(Agent, run.RunId));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("v1", (await rollback.RollbackAsync(Agent, by: "ana")).Serving!.VersionId);
        var none = await rollback.RollbackAsync(Agent);
        Assert.Equal(RollbackOutcome.NothingToRollBack, none.Outcome);
        Assert.Contains("trained from no earlier version", none.Message);
        Assert.Null((await ledger.RunningAsync(Agent)));

        // The promotion ledger holds one record per rollback that changed something, newest first; refusals add none.
        var records = await deployments.ListAsync(Agent);
        Assert.Equal([("v1", "v2", "ana"), ("v2", "v3", "api")], records.Select(r => (r.ServingVersionId, r.PreviousVersionId!, r.By)).ToArray());
        Assert.All(records, r => Assert.Equal(Core.Deployment.DeploymentChange.ManualRollback, r.Change));
    }

    [Fact]
    public async Task Racing_rollbacks_and_run_starts_never_change_the_serving_version_under_a_started_run()
    {
        await ChainAsync(4);
        var (runsStarted, rollbacksDone, startsThatMetARollback) = (0, 0, 0);
        for (var round = 0; round < 16; round++)
        {
            await registry.SetServingAsync(Agent, "v4", "reset for the next round");
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var rollbacks = new List<Task<RollbackResult>>();
            var starts = new List<Task<RunStartResult>>();
            // A start makes four storage calls before it holds the lock, a rollback one: the rollbacks wait 4–15 ms in even
            // rounds and the starts 0–3 ms in odd ones, so that each side wins some rounds while their calls overlap.
            var jitter = new Random(round);
            for (var i = 0; i < 6; i++)
            {
                var (rollbackDelay, startDelay) = round % 2 == 0 ? (jitter.Next(5, 40), 0) : (0, jitter.Next(0, 4));
                rollbacks.Add(Task.Run(async () => { await go.Task; await Task.Delay(rollbackDelay); return await rollback.RollbackAsync(Agent); }));
                starts.Add(Task.Run(async () =>
                {
                    await go.Task;
                    await Task.Delay(startDelay);
                    return await starter.StartAsync(new RunStartRequest(Agent, $"round {round}", Manual: true));
                }));
            }
            go.SetResult();
            var rolledBack = await Task.WhenAll(rollbacks);
            var attempts = await Task.WhenAll(starts);
            var started = attempts.Where(s => s.Started).ToArray();
            // A start that found the agent free but lost the atomic create of the lock met a rollback head-on.
            startsThatMetARollback += attempts.Count(s => !s.Started && ServingRollback.IsRollbackHold(s.RunId) && s.Message.Contains("started first"));

            Assert.True(started.Length <= 1, $"round {round}: {started.Length} runs started");
            var serving = (await registry.GetServingAsync(Agent))!.VersionId;
            if (started.SingleOrDefault() is { } run)
            {
                runsStarted++;
                // The run saw one serving version when it took the lock; no rollback may change it while the run holds it.
                Assert.True(serving == scheduler.Serving[run.RunId], $"round {round}: run {run.RunId} started on {scheduler.Serving[run.RunId]}, now {serving} serves");
                Assert.All(rolledBack.Where(r => r.Outcome == RollbackOutcome.Busy), r => Assert.True(r.HeldBy == run.RunId || ServingRollback.IsRollbackHold(r.HeldBy)));
                Assert.True(await ledger.ReleaseAsync(Agent, run.RunId));
            }
            rollbacksDone += rolledBack.Count(r => r.Outcome == RollbackOutcome.RolledBack);
            // Each rollback that went through moved one step back along the parents: v4 → v3 → v2 → v1.
            Assert.Equal($"v{4 - rolledBack.Count(r => r.Outcome == RollbackOutcome.RolledBack)}", serving);
            Assert.Null(await ledger.RunningAsync(Agent));
        }
        Assert.True(rollbacksDone > 0 && runsStarted + startsThatMetARollback > 0,
            $"{runsStarted} runs started, {startsThatMetARollback} starts met a rollback, {rollbacksDone} rollbacks went through: the race was not exercised");
    }

    /// <summary>Versions v1 … v<paramref name="count"/>, each trained from the one before; the last serves.</summary>
    private async Task ChainAsync(int count)
    {
        string? parent = null;
        for (var i = 0; i < count; i++)
        {
            var version = await registry.AddAsync(TestVersions.Draft(parent), new ModelArtifacts([1], [1]));
            await registry.SetServingAsync(Agent, version.VersionId, "trained");
            parent = version.VersionId;
        }
    }

    /// <summary>Records the serving version each run saw when it was scheduled (right after it took the lock).</summary>
    private sealed class ServingAtStart(IModelRegistry registry) : IRunScheduler
    {
        public ConcurrentDictionary<string, string> Serving { get; } = new();

        public async Task ScheduleAsync(RunInput input, CancellationToken cancellationToken = default)
        {
            Serving[input.RunId] = (await registry.GetServingAsync(input.AgentId, cancellationToken))!.VersionId;
            await Task.Delay(5, cancellationToken); // the run goes on while the other requests are answered
        }

        public Task<RunInstanceState> StateAsync(string runId, CancellationToken cancellationToken = default) =>
            Task.FromResult(RunInstanceState.Active);
    }
}
