using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Tests.Deployment;

public sealed class StagedRolloutTests
{
    private static readonly DeploymentSpec Ramped = new() { Ramp = [0.05, 0.25, 0.5], MinimumSamples = 200 };
    private static readonly GoalSpec Goal = new() { Target = 0.9, AcceptableRange = new MetricRange { Min = 0.85 } };

    private static ArmResult Arm(string version, int samples, int correct) => new(version, samples + 50, samples, correct);

    [Fact]
    public void A_ramp_sets_each_steps_share_and_without_one_the_candidate_share_is_the_only_step()
    {
        Assert.Equal([0.05, 0.25, 0.5], Enumerable.Range(0, Ramped.Steps).Select(Ramped.ShareAt));
        Assert.Equal(3, Ramped.Steps);
        var single = new DeploymentSpec { CandidateShare = 0.3 };
        Assert.Equal((1, 0.3), (single.Steps, single.ShareAt(0)));
    }

    [Fact]
    public void A_step_that_is_not_the_last_advances_instead_of_promoting_and_the_last_step_promotes()
    {
        var (candidate, serving) = (Arm("v4", 1000, 900), Arm("v3", 3000, 2400));

        var first = PromotionPolicy.Look(Ramped, Goal, candidate, serving, final: false, lastStep: false);
        var last = PromotionPolicy.Look(Ramped, Goal, candidate, serving, final: false, lastStep: true);

        Assert.True(first.Advance);
        Assert.Null(first.Outcome);
        Assert.False(last.Advance);
        Assert.Equal(TrialDecision.Promote, last.Outcome!.Decision);
    }

    [Fact]
    public void A_worse_candidate_is_rolled_back_at_any_step()
    {
        var look = PromotionPolicy.Look(Ramped, Goal, Arm("v4", 1000, 700), Arm("v3", 3000, 2550), final: false, lastStep: false);

        Assert.False(look.Advance);
        Assert.Equal(TrialDecision.Rollback, look.Outcome!.Decision);
    }

    [Fact]
    public void At_the_time_limit_on_an_early_step_on_timeout_decides_rather_than_advancing()
    {
        var rollback = PromotionPolicy.Look(Ramped, Goal, Arm("v4", 1000, 900), Arm("v3", 3000, 2400), final: true, lastStep: false);
        var promote = PromotionPolicy.Look(Ramped with { OnTimeout = TrialTimeoutAction.Promote }, Goal, Arm("v4", 1000, 900), Arm("v3", 3000, 2400),
            final: true, lastStep: false);

        Assert.False(rollback.Advance);
        Assert.Equal(TrialDecision.Rollback, rollback.Outcome!.Decision);
        Assert.True(rollback.Outcome.TimedOut);
        Assert.Equal(TrialDecision.Promote, promote.Outcome!.Decision);
    }
}
