using Microsoft.Extensions.Options;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Models;
using SelfImprove.Core.Traffic;
using SelfImprove.Learning.Scoring;
using SelfImprove.Storage;
using SelfImprove.Testing;
using SelfImprove.Workflows;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Steps;
using SelfImprove.Core.Runs;

namespace SelfImprove.Steps.Tests.Deployment;

/// <summary>
/// The promotion ledger as the deployment step writes it: one record per change with the trial's statistics and the
/// approval, also when the step runs again (a replayed or retried activity).
/// </summary>
public sealed class PromotionLedgerTests : IDisposable
{
    private const string Agent = "support-router";
    private readonly TempDirectory folder = new();
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
    private readonly ArtifactModelRegistry registry;
    private readonly TrafficLog traffic;
    private readonly FeedbackLog feedback;
    private readonly RunLedger runs;
    private readonly RunStarter starter;
    private readonly ApprovalTokens approvals;
    private readonly DeploymentLedger deployments;
    private readonly DeploymentStep step;
    private readonly TrialStopper stopper;
    private readonly LocalArtifactStore store;

    public PromotionLedgerTests()
    {
        store = new LocalArtifactStore(folder.Combine("store"));
        var agents = new AgentCatalog([ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder, m => m["deployment"]!["minimumSamples"] = 50))]);
        registry = new ArtifactModelRegistry(store, clock);
        traffic = new TrafficLog(store, Options.Create(new LoopOptions()), clock);
        feedback = new FeedbackLog(store, clock, traffic, agents);
        var loop = new LoopContext(agents, store, registry, new ModelLoader(registry, new NoEncoder()), traffic, feedback);
        runs = new RunLedger(agents, store, clock);
        starter = new RunStarter(runs, new NoScheduler(), clock);
        approvals = new ApprovalTokens(store, clock);
        deployments = new DeploymentLedger(store);
        var pointers = new ServingPointers(loop, runs, clock, Options.Create(new LoopOptions()));
        step = new DeploymentStep(loop, runs, pointers, clock, deployments, approvals);
        stopper = new TrialStopper(store, pointers, clock);
    }

    public void Dispose()
    {
        traffic.Dispose();
        folder.Dispose();
    }

    [Fact]
    public async Task A_promotion_is_recorded_once_with_the_trials_statistics_and_the_approval_also_when_replayed()
    {
        var (runId, candidate) = await TrialAsync("v1");
        await AnswersAsync(candidate, Arm.Candidate, answers: 100, right: 95);
        await AnswersAsync("v1", Arm.Serving, answers: 200, right: 140);
        var token = await approvals.IssueAsync(runId, clock.GetUtcNow().AddHours(1));
        await approvals.RecordAsync(runId, token, new ApprovalDecision(true, "ana", "fine"));

        var check = await step.CheckTrialAsync(runId, Agent, candidate, final: false);
        Assert.Equal(TrialDecision.Promote, check.Outcome!.Decision);
        await step.PromoteAsync(runId, Agent, candidate);
        clock.Advance(TimeSpan.FromMinutes(1));
        await step.PromoteAsync(runId, Agent, candidate); // the activity again, after a crash before it reported
        await step.RollbackAsync(runId, Agent, candidate); // and a late rollback of the same run

        var record = Assert.Single(await deployments.ListAsync(Agent));
        Assert.Equal((DeploymentChange.Promoted, candidate, "v1", runId), (record.Change, record.ServingVersionId, record.PreviousVersionId, record.RunId));
        Assert.Equal((100, 200), (record.Trial!.CandidateSamples, record.Trial.ServingSamples));
        Assert.Equal(0.95 - 0.70, record.Trial.Estimate, 9);
        Assert.True(record.Trial.Lower > 0 && record.Trial.Upper > record.Trial.Lower);
        Assert.Equal(new Core.Runs.ApprovalReport(Core.Runs.ApprovalVerdict.Approved, "ana"), record.Approval);
        Assert.Equal(check.Outcome.Reason, record.Reason);
        Assert.Equal(candidate, (await registry.GetServingAsync(Agent))!.VersionId);
    }

    [Fact]
    public async Task A_lost_trial_and_a_run_that_ended_during_its_trial_are_each_recorded_once_as_rolled_back()
    {
        var (lost, first) = await TrialAsync("v1");
        await AnswersAsync(first, Arm.Candidate, answers: 100, right: 30);
        await AnswersAsync("v1", Arm.Serving, answers: 200, right: 140);
        Assert.Equal(TrialDecision.Rollback, (await step.CheckTrialAsync(lost, Agent, first, final: false)).Outcome!.Decision);
        await step.RollbackAsync(lost, Agent, first);
        await step.RollbackAsync(lost, Agent, first);
        await runs.ReleaseAsync(Agent, lost);

        clock.Advance(TimeSpan.FromMinutes(5));
        var (terminated, second) = await TrialAsync("v1");
        await step.RollbackAsync(terminated, Agent, second); // terminated before any check decided
        await step.RollbackAsync(terminated, Agent, second);

        var records = await deployments.ListAsync(Agent);
        Assert.Equal([(terminated, second), (lost, first)], records.Select(r => (r.RunId!, r.CandidateVersionId!)).ToArray());
        Assert.All(records, r => Assert.Equal((DeploymentChange.RolledBack, "v1"), (r.Change, r.ServingVersionId)));
        Assert.Contains("worse than the serving version", records[1].Reason);
        Assert.NotNull(records[1].Trial);
        Assert.Contains("ended before its trial decided", records[0].Reason);
        Assert.Null(records[0].Trial);
        Assert.Equal("v1", (await registry.GetServingAsync(Agent))!.VersionId);
    }

    [Fact]
    public async Task A_stopped_trial_stops_routing_at_once_and_its_run_rolls_back_with_the_reason_at_the_next_check()
    {
        var (runId, candidate) = await TrialAsync("v1");
        await AnswersAsync(candidate, Arm.Candidate, answers: 100, right: 95); // winning, but a person stops it

        var stopped = await stopper.StopAsync(Agent, "ana", "complaints from the call centre");
        var again = await stopper.StopAsync(Agent, "bob", "again");

        Assert.True(stopped.Stopped);
        Assert.Equal(runId, stopped.RunId);
        Assert.False(again.Stopped);
        Assert.Null(await store.ReadAsync(StoreLayout.Trial(Agent))); // what the router reads: no candidate share any more
        var check = await step.CheckTrialAsync(runId, Agent, candidate, final: false);
        Assert.Equal(TrialDecision.Rollback, check.Outcome!.Decision);
        Assert.Contains("stopped by ana", check.Outcome.Reason);
        await step.RollbackAsync(runId, Agent, candidate);
        var record = Assert.Single(await deployments.ListAsync(Agent));
        Assert.Equal(DeploymentChange.RolledBack, record.Change);
        Assert.Contains("complaints from the call centre", record.Reason);
        Assert.Equal("v1", (await registry.GetServingAsync(Agent))!.VersionId);
    }

    [Fact]
    public async Task A_run_whose_trial_never_started_records_nothing()
    {
        var serving = await VersionAsync(null);
        await registry.SetServingAsync(Agent, serving, "trained");
        var run = await starter.StartAsync(new RunStartRequest(Agent, "drift", Manual: true));
        var candidate = await VersionAsync(serving);

        await step.RollbackAsync(run.RunId!, Agent, candidate);

        Assert.Empty(await deployments.ListAsync(Agent));
    }

    /// <summary>Serving v1, a run holding the agent with a candidate trained from it, its trial started.</summary>
    private async Task<(string RunId, string Candidate)> TrialAsync(string serving)
    {
        if (await registry.GetServingAsync(Agent) is null) await registry.SetServingAsync(Agent, await VersionAsync(null), "trained");
        var run = await starter.StartAsync(new RunStartRequest(Agent, "drift", Manual: true));
        var candidate = await VersionAsync(serving);
        await step.StartTrialAsync(run.RunId!, Agent, candidate);
        clock.Advance(TimeSpan.FromSeconds(1));
        return (run.RunId!, candidate);
    }

    private async Task<string> VersionAsync(string? parent) => (await registry.AddAsync(TestVersions.Draft(parent), new ModelArtifacts([1], [1]))).VersionId;

    /// <summary>Logs answers of one arm, the first <paramref name="right"/> with the intent the feedback then confirms.</summary>
    private async Task AnswersAsync(string version, Arm arm, int answers, int right)
    {
        var ids = new List<(string Id, bool Right)>();
        for (var i = 0; i < answers; i++)
        {
            var (id, at) = traffic.Ids.Next();
            await traffic.AppendAsync(new LoggedRequest(id, Agent, at, version, arm, "card_support", 3, $"request {version} {i}", false,
                "card_not_working", 0.9, 0.5, "card_activation", [], null));
            ids.Add((id, i < right));
        }
        await traffic.FlushAsync();
        foreach (var (id, isRight) in ids)
            await feedback.AppendForRequestAsync(Agent, id, isRight ? "card_not_working" : "card_activation", null, null);
        clock.Advance(TimeSpan.FromSeconds(1));
    }

    private sealed class NoScheduler : IRunScheduler
    {
        public Task ScheduleAsync(RunInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<RunInstanceState> StateAsync(string runId, CancellationToken cancellationToken = default) => Task.FromResult(RunInstanceState.Active);
    }

    private sealed class NoEncoder : Core.Ports.ITextEncoder
    {
        public string ModelId => "none";
        public int Dimension => 1;

        public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) => texts.Select(_ => new float[1]).ToArray();
    }
}
