using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Traffic;

namespace SelfImprove.Core.Tests.Deployment;

public sealed class TrialGuardrailsTests
{
    private static readonly DeploymentSpec Trial = new() { CandidateShare = 0.2, MinimumSamples = 200 };
    private static readonly GoalSpec Goal = new() { Target = 0.9, AcceptableRange = new MetricRange { Min = 0.85 } };

    private static ArmResult Arm(string version, int samples, int correct, double p95Ms = 40, double distance = 0.05, double variance = 0.01) =>
        new(version, samples + 50, samples, correct) { P95LatencyMs = p95Ms, Distance = distance, DistanceVariance = variance };

    [Fact]
    public void A_candidate_twice_as_slow_at_the_95th_percentile_is_rolled_back_at_once_even_when_more_accurate()
    {
        var outcome = PromotionPolicy.Check(Trial, Goal, Arm("v4", 1000, 950, p95Ms: 90), Arm("v3", 3000, 2400, p95Ms: 45), final: false)!;

        Assert.Equal(TrialDecision.Rollback, outcome.Decision);
        Assert.Contains("guardrail breached", outcome.Reason);
        Assert.Contains("95th-percentile latency 90 ms", outcome.Reason);
        Assert.Contains("maxLatencyRatio 1.5", outcome.Reason);
    }

    [Fact]
    public void Latency_is_judged_before_any_label_arrives_once_each_arm_answered_the_minimum()
    {
        var candidate = new ArmResult("v4", 250, 0, 0) { P95LatencyMs = 200 };
        var serving = new ArmResult("v3", 1000, 0, 0) { P95LatencyMs = 50 };

        var look = PromotionPolicy.Look(Trial, Goal, candidate, serving, final: false);

        Assert.Equal(TrialDecision.Rollback, look.Outcome!.Decision);
        Assert.Null(look.Statistics);
    }

    [Theory]
    [InlineData(60, 45)]   // within 1.5 ×
    [InlineData(9, 2)]     // 4.5 × but only 7 ms: under the tolerance
    public void Latency_within_the_ratio_or_the_tolerance_is_no_breach(double candidateMs, double servingMs)
    {
        Assert.Null(TrialGuardrails.Latency(Trial, Arm("v4", 1000, 900, p95Ms: candidateMs), Arm("v3", 3000, 2400, p95Ms: servingMs)));
    }

    [Fact]
    public void Latency_on_fewer_requests_than_the_minimum_is_not_judged()
    {
        var candidate = new ArmResult("v4", 150, 0, 0) { P95LatencyMs = 500 };

        Assert.Null(TrialGuardrails.Latency(Trial, candidate, Arm("v3", 3000, 2400)));
    }

    [Fact]
    public void A_candidate_whose_live_answers_drift_from_the_constitution_is_rolled_back_naming_the_distance()
    {
        var outcome = PromotionPolicy.Look(Trial, Goal, Arm("v4", 1000, 950, distance: 0.6, variance: 0.5), Arm("v3", 3000, 2400, distance: 0.05),
            final: false, maxDistance: 0.25).Outcome!;

        Assert.Equal(TrialDecision.Rollback, outcome.Decision);
        Assert.Contains("live alignment distance D 0.600 bits", outcome.Reason);
        Assert.Contains("maxDistance 0.25", outcome.Reason);
    }

    [Fact]
    public void A_distance_over_the_maximum_that_the_serving_version_shares_is_no_breach()
    {
        // Both arms lean as far from the constitution: rolling back would not help.
        Assert.Null(TrialGuardrails.Distance(Trial, 0.25, Arm("v4", 1000, 900, distance: 0.5, variance: 0.5), Arm("v3", 3000, 2400, distance: 0.49, variance: 0.5)));
    }

    [Fact]
    public void A_distance_within_the_maximum_is_no_breach_however_much_worse_than_serving()
    {
        Assert.Null(TrialGuardrails.Distance(Trial, 0.25, Arm("v4", 1000, 900, distance: 0.2), Arm("v3", 3000, 2400, distance: 0.01)));
    }

    [Fact]
    public void A_live_answers_surprisal_counts_the_top_intents_mass_on_allowed_actions_and_the_rest_as_forbidden()
    {
        var actions = new Dictionary<string, string> { ["card_lost"] = "block-card", ["balance"] = "self-service", ["refund"] = "agent" };
        var allowed = new HashSet<string> { "block-card", "agent" };
        IntentProbability[] top = [new("card_lost", 0.5), new("balance", 0.3), new("refund", 0.1)];

        // Allowed mass 0.5 + 0.1 = 0.6 (the 0.1 outside the top three counts as forbidden).
        Assert.Equal(-Math.Log2(0.6), TrialGuardrails.Surprisal(allowed, actions, top, 1e-6), 12);
        // Nothing allowed: the floor ε keeps it finite.
        Assert.Equal(-Math.Log2(1e-6), TrialGuardrails.Surprisal(new HashSet<string> { "other" }, actions, top, 1e-6), 9);
    }

    [Fact]
    public void The_95th_percentile_and_the_distance_moments_are_measured_and_none_gives_null()
    {
        Assert.Null(TrialGuardrails.P95([]));
        Assert.InRange(TrialGuardrails.P95(Enumerable.Range(1, 100).Select(i => (double)i).ToArray())!.Value, 94, 96);
        var (mean, variance) = TrialGuardrails.MeanAndVariance([0.0, 1.0]);
        Assert.Equal((0.5, 0.25), (mean!.Value, variance!.Value));
    }
}
