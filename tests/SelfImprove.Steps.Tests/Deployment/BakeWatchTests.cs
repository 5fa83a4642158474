using SelfImprove.Core.Deployment;
using SelfImprove.Core.Traffic;

namespace SelfImprove.Steps.Tests.Deployment;

/// <summary>The bake watch after a promotion, as monitoring calls it once per check.</summary>
public sealed class BakeWatchTests
{
    private const string Agent = TrialHarness.Agent;

    [Fact]
    public async Task A_promoted_version_whose_live_accuracy_drops_is_rolled_back_to_its_parent_and_the_ledger_says_why()
    {
        using var h = new TrialHarness(d => d["bakeTime"] = "01:00:00");
        var candidate = await PromotedAsync(h);

        await h.AnswersAsync(candidate, Arm.Serving, answers: 150, right: 90); // 60 % where its trial measured 95 %
        var check = await h.Step.CheckBakeAsync(Agent);
        var again = await h.Step.CheckBakeAsync(Agent);

        Assert.Equal(BakeState.RolledBack, check.State);
        Assert.Equal(candidate, check.VersionId);
        Assert.Equal("v1", (await h.Registry.GetServingAsync(Agent))!.VersionId);
        var record = (await h.Deployments.ListAsync(Agent))[0];
        Assert.Equal((DeploymentChange.BakeRollback, "v1", candidate, "bake"), (record.Change, record.ServingVersionId, record.PreviousVersionId, record.By));
        Assert.Contains("live accuracy 0.600 on 150 labelled answers since the promotion against 0.950 on 100 in its trial", record.Reason);
        Assert.Equal(BakeState.NotBaking, again.State); // rolled back once: the latest change is no promotion any more
        Assert.Single(await h.Deployments.ListAsync(Agent), r => r.Change == DeploymentChange.BakeRollback);
    }

    [Fact]
    public async Task A_version_that_keeps_its_trials_accuracy_bakes_and_is_left_alone_after_the_bake_time()
    {
        using var h = new TrialHarness(d => d["bakeTime"] = "01:00:00");
        var candidate = await PromotedAsync(h);
        await h.AnswersAsync(candidate, Arm.Serving, answers: 150, right: 141);

        var baking = await h.Step.CheckBakeAsync(Agent);
        h.Clock.Advance(TimeSpan.FromHours(1));
        await h.AnswersAsync(candidate, Arm.Serving, answers: 150, right: 60); // a drop, but after the bake time
        var baked = await h.Step.CheckBakeAsync(Agent);

        Assert.Equal(BakeState.Baking, baking.State);
        Assert.Contains("live − trial", baking.Message);
        Assert.Equal(BakeState.Baked, baked.State);
        Assert.Equal(candidate, (await h.Registry.GetServingAsync(Agent))!.VersionId);
    }

    [Fact]
    public async Task Without_a_bake_time_nothing_is_watched()
    {
        using var h = new TrialHarness();
        var candidate = await PromotedAsync(h);
        await h.AnswersAsync(candidate, Arm.Serving, answers: 150, right: 30);

        Assert.Equal(BakeState.NotBaking, (await h.Step.CheckBakeAsync(Agent)).State);
        Assert.Equal(candidate, (await h.Registry.GetServingAsync(Agent))!.VersionId);
    }

    /// <summary>A run's candidate that won its trial at 95 % (against 70 %) and was promoted; the run released the agent.</summary>
    private static async Task<string> PromotedAsync(TrialHarness h)
    {
        var (runId, candidate) = await h.TrialAsync("v1");
        await h.AnswersAsync(candidate, Arm.Candidate, answers: 100, right: 95);
        await h.AnswersAsync("v1", Arm.Serving, answers: 200, right: 140);
        Assert.Equal(TrialDecision.Promote, (await h.Step.CheckTrialAsync(runId, Agent, candidate, final: false)).Outcome!.Decision);
        await h.Step.PromoteAsync(runId, Agent, candidate);
        await h.Runs.ReleaseAsync(Agent, runId);
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        return candidate;
    }
}
