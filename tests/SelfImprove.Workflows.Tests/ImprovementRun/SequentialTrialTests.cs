using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Runs;
using SelfImprove.Runs;
using SelfImprove.Testing;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.Tests.ImprovementRun;

/// <summary>
/// The A/B trial's sequential test on the real durable host: scripted live arms grow by 400 labelled answers per check
/// (30 % to the candidate), checked every second.
/// </summary>
public sealed class SequentialTrialTests
{
    private static readonly ApprovalDecision Approve = new(true, "ana", "looks good");

    /// <summary>Labelled answers after <paramref name="check"/> + 1 checks, at the arms' accuracies.</summary>
    private static LiveArms Arms(int check, double candidate, double serving)
    {
        var (c, s) = (120 * (check + 1), 280 * (check + 1));
        return new LiveArms(c, (int)Math.Round(c * candidate), s, (int)Math.Round(s * serving));
    }

    private static Task<ScriptedLoop> StartAsync(ScriptedSteps steps, string maxDuration = "00:05:00") =>
        ScriptedLoop.StartAsync(steps, m =>
        {
            m["deployment"]!["checkEvery"] = "00:00:01";
            m["deployment"]!["maxDuration"] = maxDuration;
        });

    private static string[] CheckLines(RunSnapshot? run) =>
        run!.Log.Where(e => e.Detail.StartsWith("trial check", StringComparison.Ordinal)).Select(e => e.Detail).ToArray();

    [Fact]
    public async Task A_better_candidate_is_promoted_once_both_arms_have_enough_labelled_answers_with_a_log_line_per_check()
    {
        var steps = new ScriptedSteps
        {
            TrialArms = check => Arms(check, candidate: 0.95, serving: 0.85),
            TrialDeployment = new DeploymentSpec { MinimumSamples = 300 },
        };
        await using var loop = await StartAsync(steps);
        var runId = await loop.StartRunAsync();

        var report = await loop.FinishAsync(runId, Approve);

        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Equal("v2", report.ServingVersion);
        // The candidate's arm reaches 300 labelled answers at the third check: the first two may not decide.
        var checks = steps.TrialChecks.ToArray();
        Assert.Equal(3, checks.Length);
        Assert.All(checks[..2], c => Assert.Null(c.Outcome));
        Assert.True(checks[2].Statistics!.Lower > -0.01);
        Assert.Contains("candidate − serving +0.100 [", report.Reason);
        var lines = CheckLines(await loop.Host.Runs.GetAsync(runId));
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("trial check 1: candidate − serving +0.100 [", lines[0]);
        Assert.EndsWith("→ Promote", lines[2]);
    }

    [Fact]
    public async Task A_worse_candidate_is_rolled_back_early_long_before_the_trial_is_up()
    {
        var steps = new ScriptedSteps
        {
            TrialArms = check => Arms(check, candidate: 0.75, serving: 0.85),
            TrialDeployment = new DeploymentSpec { MinimumSamples = 100 },
        };
        await using var loop = await StartAsync(steps);

        var report = await loop.FinishAsync(await loop.StartRunAsync(), Approve);

        Assert.Equal(RunStatus.Rejected, report.Status);
        Assert.Equal(ScriptedSteps.Serving, report.ServingVersion);
        Assert.Contains("the candidate is worse than the serving version", report.Reason);
        Assert.InRange(steps.TrialChecks.Count, 1, 5);
        Assert.DoesNotContain("final check", steps.Calls);
        Assert.Contains(steps.Calls, c => c.StartsWith("rollback", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(TrialTimeoutAction.Rollback, RunStatus.Rejected, "onTimeout rolls back")]
    [InlineData(TrialTimeoutAction.Promote, RunStatus.Promoted, "onTimeout promotes")]
    public async Task An_undecided_trial_at_its_maximum_duration_does_what_on_timeout_says(TrialTimeoutAction onTimeout, RunStatus expected, string reason)
    {
        // Equal arms, 85 % each: neither bound clears its threshold in the few checks of a 2-second trial.
        var steps = new ScriptedSteps
        {
            TrialArms = check => Arms(check, candidate: 0.85, serving: 0.85),
            TrialDeployment = new DeploymentSpec { MinimumSamples = 100, OnTimeout = onTimeout },
        };
        await using var loop = await StartAsync(steps, maxDuration: "00:00:02");

        var report = await loop.FinishAsync(await loop.StartRunAsync(), Approve);

        Assert.Equal(expected, report.Status);
        Assert.Contains(reason, report.Reason);
        Assert.Equal("final check", steps.Calls.Last(c => c.Contains("check", StringComparison.Ordinal)));
        Assert.All(steps.TrialChecks, c => Assert.NotNull(c.Statistics));
    }

    [Fact]
    public async Task A_trial_never_promotes_a_candidate_whose_live_accuracy_is_below_serving_by_more_than_the_margin()
    {
        // 83.5 % against 85 % (1.5 points below, the margin is 1): however much evidence comes in, the lower bound of the
        // difference stays below −0.01, so no check promotes; the trial ends in a rollback.
        var steps = new ScriptedSteps
        {
            TrialArms = check => Arms(check * 20, candidate: 0.835, serving: 0.85),
            TrialDeployment = new DeploymentSpec { MinimumSamples = 100, OnTimeout = TrialTimeoutAction.Promote },
        };
        await using var loop = await StartAsync(steps, maxDuration: "00:00:03");

        var report = await loop.FinishAsync(await loop.StartRunAsync(), Approve);

        Assert.NotEqual(RunStatus.Promoted, report.Status);
        Assert.All(steps.TrialChecks, c => Assert.NotEqual(TrialDecision.Promote, c.Outcome?.Decision));
        Assert.DoesNotContain(steps.Calls, c => c.StartsWith("promote", StringComparison.Ordinal));
    }
}
