using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Tests.Deployment;

public sealed class PromotionPolicyTests
{
    private static readonly DeploymentSpec NonInferior = new() { CandidateShare = 0.2, MinimumSamples = 200 };
    private static readonly DeploymentSpec BeatServing = NonInferior with { PromotionRule = PromotionRule.BeatServing };
    private static readonly DeploymentSpec MeetTarget = NonInferior with { PromotionRule = PromotionRule.MeetTarget };
    private static readonly GoalSpec Goal = new() { Target = 0.9, AcceptableRange = new MetricRange { Min = 0.85 } };

    private static ArmResult Arm(string version, int samples, int correct) => new(version, samples + 50, samples, correct);

    [Fact]
    public void NonInferior_is_the_default_rule_with_alpha_five_percent_margin_one_point_and_rollback_on_timeout()
    {
        var defaults = new DeploymentSpec();

        Assert.Equal(PromotionRule.NonInferior, defaults.PromotionRule);
        Assert.Equal(0.05, defaults.Alpha);
        Assert.Equal(0.01, defaults.Margin);
        Assert.Equal(TrialTimeoutAction.Rollback, defaults.OnTimeout);
    }

    [Fact]
    public void Before_each_arm_has_the_minimum_the_trial_does_not_look_and_at_its_end_it_rolls_back_naming_the_minimum()
    {
        // 199 of 199 right against 75 %: clear, but the candidate's arm is one answer short.
        var early = PromotionPolicy.Look(NonInferior, Goal, Arm("v4", 199, 199), Arm("v3", 800, 600), final: false);
        var last = PromotionPolicy.Decide(NonInferior, Goal, Arm("v4", 199, 199), Arm("v3", 800, 600));

        Assert.Null(early.Outcome);
        Assert.NotNull(early.Statistics);
        Assert.Equal(TrialDecision.Rollback, last.Decision);
        Assert.True(last.TimedOut);
        Assert.Contains("200", last.Reason);
        Assert.Contains("199", last.Reason);
    }

    [Fact]
    public void The_serving_arm_needs_the_minimum_too()
    {
        Assert.Null(PromotionPolicy.Check(NonInferior, Goal, Arm("v4", 900, 880), Arm("v3", 150, 100), final: false));
    }

    [Fact]
    public void A_clearly_better_candidate_is_promoted_with_the_interval_in_the_reason()
    {
        var outcome = PromotionPolicy.Check(NonInferior, Goal, Arm("v4", 1000, 900), Arm("v3", 3000, 2400), final: false)!;

        Assert.Equal(TrialDecision.Promote, outcome.Decision);
        Assert.False(outcome.TimedOut);
        var statistics = outcome.Statistics!;
        Assert.Equal(TrialQuantity.Difference, statistics.Quantity);
        Assert.Equal(0.1, statistics.Estimate, 9);
        // The bounds of SequentialProportionTestTests' hand-checked case (τ = 3 · margin = 0.03).
        Assert.Equal(0.0668, statistics.Lower, 3);
        Assert.Equal(0.1332, statistics.Upper, 3);
        Assert.Equal((1000, 3000), (statistics.CandidateSamples, statistics.ServingSamples));
        Assert.Contains("candidate − serving +0.100 [+0.067, +0.133] at 95 % on 1000 + 3000 answers with feedback", outcome.Reason);
        Assert.Equal("v4", outcome.Candidate.VersionId);
        Assert.Equal(0.2, outcome.CandidateShare);
    }

    [Fact]
    public void A_clearly_worse_candidate_is_rolled_back_at_the_first_look()
    {
        var outcome = PromotionPolicy.Check(NonInferior, Goal, Arm("v4", 1000, 700), Arm("v3", 3000, 2400), final: false)!;

        Assert.Equal(TrialDecision.Rollback, outcome.Decision);
        Assert.False(outcome.TimedOut);
        Assert.True(outcome.Statistics!.Upper < 0);
        Assert.Contains("worse than the serving version", outcome.Reason);
    }

    [Fact]
    public void A_candidate_slightly_worse_but_within_the_margin_is_non_inferior_but_does_not_beat_serving()
    {
        // 84.8 % against 85.0 % on 50,000 answers a side: the difference −0.002 has bounds about ±0.0071, so its lower
        // bound −0.0091 clears −margin (−0.01) but not 0, and its upper bound +0.0051 is not below 0.
        var candidate = Arm("v4", 50_000, 42_400);
        var serving = Arm("v3", 50_000, 42_500);

        var nonInferior = PromotionPolicy.Check(NonInferior, Goal, candidate, serving, final: false)!;
        var beatServing = PromotionPolicy.Look(BeatServing, Goal, candidate, serving, final: false);

        Assert.Equal(TrialDecision.Promote, nonInferior.Decision);
        Assert.Contains("margin 0.01", nonInferior.Reason);
        Assert.InRange(nonInferior.Statistics!.Lower, -0.0095, -0.0087);
        Assert.Null(beatServing.Outcome);
    }

    [Fact]
    public void Undecided_at_the_end_the_trial_does_what_on_timeout_says()
    {
        // 86 % against 85 % on 400 and 1,600 answers: bounds of about ±0.05, so undecided.
        var candidate = Arm("v4", 400, 344);
        var serving = Arm("v3", 1600, 1360);

        var rolledBack = PromotionPolicy.Decide(BeatServing, Goal, candidate, serving);
        var promoted = PromotionPolicy.Decide(BeatServing with { OnTimeout = TrialTimeoutAction.Promote }, Goal, candidate, serving);

        Assert.Equal(TrialDecision.Rollback, rolledBack.Decision);
        Assert.True(rolledBack.TimedOut);
        Assert.Contains("onTimeout rolls back", rolledBack.Reason);
        Assert.Equal(TrialDecision.Promote, promoted.Decision);
        Assert.True(promoted.TimedOut);
        Assert.Contains("onTimeout promotes", promoted.Reason);
    }

    [Fact]
    public void Promoting_on_timeout_still_refuses_a_candidate_whose_estimate_misses_the_rules_threshold()
    {
        // 83.5 % against 85 %: undecided (bounds about ±0.05), but 1.5 points below is past the margin of 1.
        var outcome = PromotionPolicy.Decide(NonInferior with { OnTimeout = TrialTimeoutAction.Promote }, Goal, Arm("v4", 400, 334), Arm("v3", 1600, 1360));

        Assert.Equal(TrialDecision.Rollback, outcome.Decision);
        Assert.True(outcome.TimedOut);
        Assert.Contains("misses the rule's threshold", outcome.Reason);
    }

    [Fact]
    public void A_candidate_that_routes_clearly_more_answers_to_forbidden_actions_is_rolled_back_at_once_even_when_more_accurate()
    {
        // More accurate (95 % against 80 %), but 10 % of its answers go to a forbidden action against 1 % of serving's.
        var candidate = Arm("v4", 1000, 950) with { Forbidden = 100 };
        var serving = Arm("v3", 3000, 2400) with { Forbidden = 30 };

        var outcome = PromotionPolicy.Check(NonInferior, Goal, candidate, serving, final: false)!;

        Assert.Equal(TrialDecision.Rollback, outcome.Decision);
        Assert.StartsWith("guardrail breached, rolled back at once: forbidden actions on 100 of 1000 candidate answers against 30 of 3000", outcome.Reason);
        Assert.Contains("exceeds the margin 0.01", outcome.Reason);
    }

    [Fact]
    public void A_forbidden_share_within_the_margin_of_servings_is_no_breach()
    {
        // 1.5 % against 1.0 %: 0.5 points more, within the margin of 1 point.
        Assert.Null(TrialGuardrails.ForbiddenActions(NonInferior, Arm("v4", 2000, 1700) with { Forbidden = 30 }, Arm("v3", 6000, 5100) with { Forbidden = 60 }));
        Assert.Equal(TrialDecision.Promote,
            PromotionPolicy.Check(NonInferior, Goal, Arm("v4", 1000, 900) with { Forbidden = 10 }, Arm("v3", 3000, 2400) with { Forbidden = 30 }, final: false)!.Decision);
    }

    [Fact]
    public void Meet_target_promotes_on_the_candidates_own_lower_bound_even_when_serving_is_better()
    {
        var outcome = PromotionPolicy.Check(MeetTarget, Goal, Arm("v4", 1000, 950), Arm("v3", 1000, 990), final: false)!;

        Assert.Equal(TrialDecision.Promote, outcome.Decision);
        Assert.Equal(TrialQuantity.CandidateAccuracy, outcome.Statistics!.Quantity);
        Assert.True(outcome.Statistics.Lower >= 0.9);
        Assert.Contains("meets the target 0.90", outcome.Reason);
    }

    [Fact]
    public void Meet_target_rolls_back_a_candidate_below_the_goal_even_when_it_beats_serving()
    {
        var outcome = PromotionPolicy.Check(MeetTarget, Goal, Arm("v4", 1000, 850), Arm("v3", 1000, 600), final: false)!;

        Assert.Equal(TrialDecision.Rollback, outcome.Decision);
        Assert.Contains("below the target", outcome.Reason);
    }

    [Fact]
    public void An_aa_trial_never_promotes_a_candidate_whose_live_accuracy_is_below_serving_by_more_than_the_margin()
    {
        // 300 A/A trials (both arms 85 %), looked at after every 500 answers with feedback up to 30,000: every promotion has a
        // live difference above −margin, and only a few (at most alpha, up to noise) end in a rollback.
        var random = new Random(11);
        int promoted = 0, rolledBack = 0;
        for (var trial = 0; trial < 300; trial++)
        {
            int nc = 0, xc = 0, ns = 0, xs = 0;
            for (var step = 0; step < 60; step++)
            {
                for (var i = 0; i < 500; i++)
                {
                    var correct = random.NextDouble() < 0.85 ? 1 : 0;
                    if (random.NextDouble() < 0.3) { nc++; xc += correct; }
                    else { ns++; xs += correct; }
                }
                var outcome = PromotionPolicy.Check(NonInferior, Goal, Arm("v4", nc, xc), Arm("v3", ns, xs), final: false);
                if (outcome is null) continue;
                if (outcome.Promoted)
                {
                    promoted++;
                    Assert.True((double)xc / nc - (double)xs / ns > -NonInferior.Margin, outcome.Reason);
                }
                else rolledBack++;
                break;
            }
        }

        Assert.True(promoted > 100, $"only {promoted} of 300 A/A trials promoted");
        Assert.InRange(rolledBack, 0, 27);
    }

    [Fact]
    public void With_both_versions_scored_on_the_same_requests_the_paired_test_decides_where_the_unpaired_one_cannot_yet()
    {
        var (candidate, serving) = (Arm("v4", 400, 348), Arm("v3", 1600, 1360)); // 87 % and 85 %
        var pairs = new Core.Statistics.PairedCount(2000, 80, 40);                  // the same 2,000 requests, 6 % discordant

        var unpaired = PromotionPolicy.Look(BeatServing, Goal, candidate, serving, final: false);
        var paired = PromotionPolicy.Look(BeatServing, Goal, candidate, serving, final: false, paired: pairs);

        Assert.Null(unpaired.Outcome);
        Assert.Equal(TrialDecision.Promote, paired.Outcome!.Decision);
        Assert.Equal(2000, paired.Statistics!.Pairs);
        Assert.Contains("on 2000 requests with feedback scored by both versions (400 + 1600 answered; only one right on 120)", paired.Outcome.Reason);
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
    public void A_subject_keeps_its_arm_whatever_it_asks_and_as_a_ramp_grows_it_only_moves_to_the_candidate()
    {
        var subjects = Enumerable.Range(0, 2000).Select(i => $"user-{i}").ToArray();
        bool Routed(string subject, string text, double share) =>
            PromotionPolicy.RoutesToCandidate("run-7", PromotionPolicy.RoutingKey(text, subject), share);

        Assert.All(subjects, s => Assert.Equal(Routed(s, "my card is lost", 0.25), Routed(s, "what is my balance", 0.25)));
        Assert.All(subjects.Where(s => Routed(s, "x", 0.05)), s => Assert.True(Routed(s, "x", 0.25)));
        Assert.NotEqual(PromotionPolicy.RoutingKey("same", null), PromotionPolicy.RoutingKey("same", "same"));
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
