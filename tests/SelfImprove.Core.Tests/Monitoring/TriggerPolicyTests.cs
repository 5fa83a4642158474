using SelfImprove.Core;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Monitoring;

namespace SelfImprove.Core.Tests.Monitoring;

public sealed class TriggerPolicyTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);

    private static readonly TriggerSpec Trigger = new() { Cooldown = TimeSpan.FromHours(6), MinimumEvidence = 100 };

    private static readonly GoalSpec Goal = new()
    {
        Metric = GoalMetric.Accuracy,
        Target = 0.9,
        AcceptableRange = new MetricRange { Min = 0.85, Max = 0.98 },
        Objective = GoalObjective.MeetTarget,
    };

    private static readonly AgentRunState Idle = new(RunningRunId: null, LastRunEndedAt: null);

    private static MonitoringSnapshot Snapshot(double validation = 0.92, double feedback = 0.91, int feedbackCount = 250, string? serving = "v3") =>
        new("support-router", serving, GoalMetric.Accuracy, validation, 500, feedback, feedbackCount);

    private static TriggerDecision Decide(MonitoringSnapshot snapshot, AgentRunState? state = null, bool manual = false, GoalSpec? goal = null) =>
        TriggerPolicy.Decide(Trigger, goal ?? Goal, snapshot, state ?? Idle, Now, manual);

    [Fact]
    public void A_run_in_progress_blocks_even_a_manual_start()
    {
        var decision = Decide(Snapshot(feedback: 0.5), new AgentRunState("run-42", null), manual: true);

        Assert.Equal(TriggerOutcome.RunInProgress, decision.Outcome);
        Assert.False(decision.ShouldStart);
        Assert.Contains("run-42", decision.Reason);
    }

    [Fact]
    public void Nothing_starts_while_no_version_serves_even_by_hand()
    {
        var automatic = Decide(Snapshot(feedback: 0.5, serving: null));
        var manual = Decide(Snapshot(feedback: 0.5, serving: null), manual: true);

        Assert.Equal(TriggerOutcome.NoServingVersion, automatic.Outcome);
        Assert.Equal(TriggerOutcome.NoServingVersion, manual.Outcome);
        Assert.False(manual.ShouldStart);
    }

    [Fact]
    public void A_manual_start_skips_the_health_check_the_evidence_minimum_and_the_cooldown()
    {
        var coolingDown = new AgentRunState(null, Now - TimeSpan.FromMinutes(5));

        var healthy = Decide(Snapshot(), coolingDown, manual: true);
        var noEvidence = Decide(Snapshot(feedbackCount: 0), coolingDown, manual: true);

        Assert.Equal(TriggerOutcome.Start, healthy.Outcome);
        Assert.True(healthy.ShouldStart);
        Assert.Equal(TriggerOutcome.Start, noEvidence.Outcome);
    }

    [Fact]
    public void Too_little_feedback_is_not_enough_evidence_even_when_the_metric_has_drifted()
    {
        var decision = Decide(Snapshot(feedback: 0.6, feedbackCount: 99));

        Assert.Equal(TriggerOutcome.NotEnoughEvidence, decision.Outcome);
        Assert.False(decision.ShouldStart);
        Assert.Contains("99", decision.Reason);
        Assert.Contains("100", decision.Reason);
    }

    [Fact]
    public void Exactly_the_minimum_evidence_is_enough()
    {
        var decision = Decide(Snapshot(feedback: 0.6, feedbackCount: 100));

        Assert.Equal(TriggerOutcome.Start, decision.Outcome);
    }

    [Fact]
    public void A_metric_within_the_acceptable_range_is_healthy()
    {
        var decision = Decide(Snapshot(validation: 0.93, feedback: 0.86));

        Assert.Equal(TriggerOutcome.Healthy, decision.Outcome);
        Assert.False(decision.ShouldStart);
    }

    [Fact]
    public void A_metric_exactly_at_the_acceptable_minimum_is_still_healthy()
    {
        var decision = Decide(Snapshot(validation: 0.93, feedback: 0.85));

        Assert.Equal(TriggerOutcome.Healthy, decision.Outcome);
    }

    [Fact]
    public void A_metric_that_drifted_below_the_acceptable_minimum_starts_a_run_and_names_the_value()
    {
        var decision = Decide(Snapshot(validation: 0.93, feedback: 0.78));

        Assert.Equal(TriggerOutcome.Start, decision.Outcome);
        Assert.True(decision.ShouldStart);
        Assert.Contains(0.78.ToString("0.000"), decision.Reason);
        Assert.Contains(GoalMetric.Accuracy.ToWire(), decision.Reason);
    }

    [Fact]
    public void A_drift_inside_the_cooldown_waits_and_says_until_when()
    {
        var ended = Now - TimeSpan.FromHours(2);

        var decision = Decide(Snapshot(feedback: 0.7), new AgentRunState(null, ended));

        Assert.Equal(TriggerOutcome.CoolingDown, decision.Outcome);
        Assert.False(decision.ShouldStart);
        Assert.Contains((ended + Trigger.Cooldown).ToString("u"), decision.Reason);
    }

    [Fact]
    public void A_drift_exactly_at_the_end_of_the_cooldown_starts_a_run()
    {
        var decision = Decide(Snapshot(feedback: 0.7), new AgentRunState(null, Now - Trigger.Cooldown));

        Assert.Equal(TriggerOutcome.Start, decision.Outcome);
    }

    [Fact]
    public void A_drift_one_second_before_the_end_of_the_cooldown_still_waits()
    {
        var decision = Decide(Snapshot(feedback: 0.7), new AgentRunState(null, Now - Trigger.Cooldown + TimeSpan.FromSeconds(1)));

        Assert.Equal(TriggerOutcome.CoolingDown, decision.Outcome);
    }

    [Fact]
    public void The_maximize_objective_starts_a_run_below_the_acceptable_maximum()
    {
        var maximize = Goal with { Objective = GoalObjective.Maximize };
        var snapshot = Snapshot(validation: 0.95, feedback: 0.94);

        var meetTarget = Decide(snapshot);
        var keepImproving = Decide(snapshot, goal: maximize);

        Assert.Equal(TriggerOutcome.Healthy, meetTarget.Outcome);
        Assert.Equal(TriggerOutcome.Start, keepImproving.Outcome);
        Assert.Contains(0.98.ToString("0.00"), keepImproving.Reason);
    }

    [Fact]
    public void The_maximize_objective_is_healthy_at_the_acceptable_maximum()
    {
        var maximize = Goal with { Objective = GoalObjective.Maximize };

        var decision = Decide(Snapshot(validation: 0.99, feedback: 0.98), goal: maximize);

        Assert.Equal(TriggerOutcome.Healthy, decision.Outcome);
    }

    [Fact]
    public void The_maximize_objective_still_respects_the_cooldown()
    {
        var maximize = Goal with { Objective = GoalObjective.Maximize };

        var decision = Decide(Snapshot(validation: 0.95, feedback: 0.94), new AgentRunState(null, Now - TimeSpan.FromHours(1)), goal: maximize);

        Assert.Equal(TriggerOutcome.CoolingDown, decision.Outcome);
    }

    [Theory]
    [InlineData(0.92, 0.80, 0.80)]
    [InlineData(0.75, 0.95, 0.75)]
    [InlineData(0.90, 0.90, 0.90)]
    public void The_observed_value_is_the_lower_of_validation_and_feedback(double validation, double feedback, double observed)
    {
        Assert.Equal(observed, Snapshot(validation, feedback).ObservedValue, 9);
    }

    [Fact]
    public void Without_feedback_the_observed_value_is_the_validation_value()
    {
        Assert.Equal(0.92, Snapshot(validation: 0.92, feedback: 0.0, feedbackCount: 0).ObservedValue, 9);
    }

    [Fact]
    public void A_drift_on_the_validation_side_alone_starts_a_run()
    {
        var decision = Decide(Snapshot(validation: 0.70, feedback: 0.95));

        Assert.Equal(TriggerOutcome.Start, decision.Outcome);
        Assert.Contains(0.70.ToString("0.000"), decision.Reason);
    }
}
