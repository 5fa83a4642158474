using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Tests.Deployment;

public sealed class PromotionPolicyTests
{
    private static readonly DeploymentSpec BeatServing = new() { CandidateShare = 0.2, MinimumSamples = 200, PromotionRule = PromotionRule.BeatServing };
    private static readonly DeploymentSpec MeetTarget = BeatServing with { PromotionRule = PromotionRule.MeetTarget };
    private static readonly GoalSpec Goal = new() { Target = 0.9, AcceptableRange = new MetricRange { Min = 0.85 } };

    private static ArmResult Arm(string version, int samples, int correct) => new(version, samples + 50, samples, correct);

    [Fact]
    public void Too_few_candidate_samples_roll_back_and_the_reason_names_the_minimum()
    {
        var outcome = PromotionPolicy.Decide(BeatServing, Goal, Arm("v4", 199, 199), Arm("v3", 800, 600));

        Assert.Equal(TrialDecision.Rollback, outcome.Decision);
        Assert.False(outcome.Promoted);
        Assert.Contains("200", outcome.Reason);
        Assert.Contains("199", outcome.Reason);
    }

    [Fact]
    public void Beat_serving_promotes_a_candidate_that_is_better()
    {
        var outcome = PromotionPolicy.Decide(BeatServing, Goal, Arm("v4", 200, 180), Arm("v3", 800, 640));

        Assert.Equal(TrialDecision.Promote, outcome.Decision);
        Assert.True(outcome.Promoted);
        Assert.Equal(0.2, outcome.CandidateShare);
        Assert.Equal("v4", outcome.Candidate.VersionId);
        Assert.Equal("v3", outcome.Serving.VersionId);
    }

    [Fact]
    public void Beat_serving_promotes_a_candidate_that_is_exactly_as_good()
    {
        var outcome = PromotionPolicy.Decide(BeatServing, Goal, Arm("v4", 200, 160), Arm("v3", 800, 640));

        Assert.True(outcome.Promoted);
    }

    [Fact]
    public void Beat_serving_rolls_back_a_candidate_that_is_worse()
    {
        var outcome = PromotionPolicy.Decide(BeatServing, Goal, Arm("v4", 400, 319), Arm("v3", 800, 640));

        Assert.Equal(TrialDecision.Rollback, outcome.Decision);
        Assert.Contains("worse", outcome.Reason);
    }

    [Fact]
    public void Meet_target_promotes_a_candidate_that_reaches_the_goal_even_when_serving_is_better()
    {
        var outcome = PromotionPolicy.Decide(MeetTarget, Goal, Arm("v4", 200, 182), Arm("v3", 800, 760));

        Assert.True(outcome.Promoted);
        Assert.Contains(0.9.ToString("0.00"), outcome.Reason);
    }

    [Fact]
    public void Meet_target_rolls_back_a_candidate_below_the_goal_even_when_it_beats_serving()
    {
        var outcome = PromotionPolicy.Decide(MeetTarget, Goal, Arm("v4", 200, 178), Arm("v3", 800, 560));

        Assert.False(outcome.Promoted);
        Assert.Contains("below the target", outcome.Reason);
    }

    [Fact]
    public void An_arm_without_samples_has_value_zero()
    {
        Assert.Equal(0.0, new ArmResult("v3", 10, 0, 0).Value);
        Assert.Equal(0.75, new ArmResult("v3", 10, 4, 3).Value, 9);
    }

    [Fact]
    public void Routing_the_same_request_of_the_same_trial_always_gives_the_same_answer()
    {
        var first = Enumerable.Range(0, 1000).Select(i => PromotionPolicy.RoutesToCandidate("trial-7", i.ToString(), 0.2)).ToArray();
        var second = Enumerable.Range(0, 1000).Select(i => PromotionPolicy.RoutesToCandidate("trial-7", i.ToString(), 0.2)).ToArray();

        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(0.2, 1700, 2300)]
    [InlineData(0.5, 4700, 5300)]
    public void Roughly_the_configured_share_of_requests_goes_to_the_candidate(double share, int atLeast, int atMost)
    {
        var toCandidate = Enumerable.Range(0, 10_000).Count(i => PromotionPolicy.RoutesToCandidate("trial-7", i.ToString(), share));

        Assert.InRange(toCandidate, atLeast, atMost);
    }

    [Fact]
    public void A_share_of_zero_sends_nothing_and_a_share_of_one_sends_everything()
    {
        Assert.DoesNotContain(Enumerable.Range(0, 2000), i => PromotionPolicy.RoutesToCandidate("trial-7", i.ToString(), 0.0));
        Assert.All(Enumerable.Range(0, 2000), i => Assert.True(PromotionPolicy.RoutesToCandidate("trial-7", i.ToString(), 1.0)));
    }

    [Fact]
    public void Different_trials_split_the_same_requests_differently()
    {
        var a = Enumerable.Range(0, 1000).Select(i => PromotionPolicy.RoutesToCandidate("trial-a", i.ToString(), 0.5)).ToArray();
        var b = Enumerable.Range(0, 1000).Select(i => PromotionPolicy.RoutesToCandidate("trial-b", i.ToString(), 0.5)).ToArray();

        var disagreements = a.Zip(b).Count(pair => pair.First != pair.Second);
        Assert.True(disagreements > 100, $"only {disagreements} of 1000 requests were routed differently");
    }
}
