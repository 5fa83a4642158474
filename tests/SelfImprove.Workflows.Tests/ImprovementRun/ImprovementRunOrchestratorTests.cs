using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Testing;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.Tests.ImprovementRun;

/// <summary>The run's control flow on the real durable host, with scripted steps.</summary>
public sealed class ImprovementRunOrchestratorTests
{
    private static readonly ApprovalDecision Approve = new(true, "ana", "looks good");

    [Fact]
    public async Task The_happy_path_promotes_the_candidate_once()
    {
        await using var loop = await ScriptedLoop.StartAsync(new ScriptedSteps());

        var report = await loop.FinishAsync(await loop.StartRunAsync(), Approve);

        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Equal("v2", report.ServingVersion);
        Assert.Equal(1, report.Attempts);
        Assert.Equal(7, report.TeacherSamples);
        Assert.Equal(new ApprovalReport(ApprovalVerdict.Approved, "ana"), report.Approval);
        Assert.Equal(["plan 1", "generate 1", "teach 1.0", "labelling 1", "assemble 1", "train 1 on 1 batches", "evaluate v2", "align v2", "notify support-router-1", "trial v2", "check", "promote v2"], loop.Steps.Calls);
        Assert.Equal(report, await loop.Ledger.ReportAsync(report.RunId!));
    }

    [Fact]
    public async Task A_missed_evaluation_goes_back_to_the_planner_with_its_evidence()
    {
        var steps = new ScriptedSteps { CandidateValue = attempt => attempt == 1 ? 0.78 : 0.88 };
        await using var loop = await ScriptedLoop.StartAsync(steps);

        var report = await loop.FinishAsync(await loop.StartRunAsync(), Approve);

        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Equal(2, report.Attempts);
        Assert.Equal("v3", report.ServingVersion);
        var plans = steps.PlanInputs.ToArray();
        Assert.Empty(plans[0].Evidence);
        var evidence = Assert.Single(plans[1].Evidence);
        Assert.Equal((1, "v2", 0.78), (evidence.Attempt, evidence.CandidateVersionId, evidence.Value));
        Assert.Equal("top_up_failed", evidence.Confusions[0].Actual);
        Assert.Contains("train 2 on 2 batches", steps.Calls);
    }

    [Fact]
    public async Task Exhausted_attempts_fail_the_run_with_the_reason_and_deploy_nothing()
    {
        var steps = new ScriptedSteps { CandidateValue = _ => 0.80 };
        await using var loop = await ScriptedLoop.StartAsync(steps, m => m["evaluation"]!["maxAttempts"] = 2);

        var report = await loop.FinishAsync(await loop.StartRunAsync(), Approve);

        Assert.Equal(RunStatus.Failed, report.Status);
        Assert.Contains("goal missed after 2 attempt(s)", report.Reason);
        Assert.Contains("0.80 below target", report.Reason);
        Assert.Equal(2, report.Attempts);
        Assert.DoesNotContain(steps.Calls, c => c.StartsWith("align") || c.StartsWith("trial") || c.StartsWith("promote"));
        Assert.Equal(ScriptedSteps.Serving, steps.ServingVersion);
    }

    [Fact]
    public async Task A_candidate_outside_the_alignment_threshold_never_reaches_approval_or_deployment()
    {
        var steps = new ScriptedSteps { CandidateDistance = 0.6 };
        await using var loop = await ScriptedLoop.StartAsync(steps);

        var report = await loop.FinishAsync(await loop.StartRunAsync(), Approve);

        Assert.Equal(RunStatus.Rejected, report.Status);
        Assert.StartsWith("alignment gate: distance 0.6 bits exceeds the maximum 0.25", report.Reason);
        Assert.False(report.Alignment!.Passed);
        Assert.Empty(steps.ApprovalRequests);
        Assert.DoesNotContain(steps.Calls, c => c.StartsWith("trial") || c.StartsWith("promote"));
    }

    [Fact]
    public async Task A_rejected_approval_deploys_nothing()
    {
        var steps = new ScriptedSteps();
        await using var loop = await ScriptedLoop.StartAsync(steps);

        var report = await loop.FinishAsync(await loop.StartRunAsync(), new ApprovalDecision(false, "ben", "not before the audit"));

        Assert.Equal(RunStatus.Rejected, report.Status);
        Assert.Equal("approval rejected by ben", report.Reason);
        Assert.Equal(new ApprovalReport(ApprovalVerdict.Rejected, "ben"), report.Approval);
        Assert.DoesNotContain(steps.Calls, c => c.StartsWith("trial") || c.StartsWith("promote"));
        Assert.Equal(ScriptedSteps.Serving, report.ServingVersion);
    }

    [Fact]
    public async Task Without_an_answer_before_the_timeout_nothing_is_deployed_and_the_approvers_are_told_again_at_half_the_time()
    {
        var steps = new ScriptedSteps();
        await using var loop = await ScriptedLoop.StartAsync(steps, m =>
        {
            m["approval"]!["timeout"] = "00:00:02";
            m["approval"]!["escalateTo"] = "SELFIMPROVE_TEST_UNSET_ESCALATION_URL";
        });

        var report = await loop.FinishAsync(await loop.StartRunAsync(), decision: null);

        Assert.Equal(RunStatus.Rejected, report.Status);
        Assert.Equal(ApprovalVerdict.TimedOut, report.Approval!.Decision);
        Assert.Equal("no approval within 00:00:02", report.Reason);
        var request = Assert.Single(steps.ApprovalRequests);
        Assert.Equal("v2", request.CandidateVersionId);
        Assert.DoesNotContain(steps.Calls, c => c.StartsWith("trial"));
        var closed = await loop.Host.Services.GetRequiredService<SelfImprove.Steps.ApprovalTokens>().DecisionAsync(report.RunId!);
        Assert.True(closed!.TimedOut);

        // Half the timeout passed without a decision: its own orchestration escalated once, with a fresh link, before the window closed.
        var escalation = await loop.Host.Client.WaitForInstanceCompletionAsync(EscalationInput.InstanceId(report.RunId!), getInputsAndOutputs: true);
        Assert.True(escalation.ReadOutputAs<bool>());
        var notice = Assert.Single(loop.Escalations);
        Assert.Equal((report.RunId, request.ExpiresAt), (notice.RunId, notice.ExpiresAt));
        var recorded = await loop.Host.Services.GetRequiredService<SelfImprove.Steps.ApprovalEscalations>().ReadAsync(report.RunId!);
        Assert.Equal("SELFIMPROVE_TEST_UNSET_ESCALATION_URL", recorded!.NotifiedTarget);
        Assert.InRange(recorded.At, request.ExpiresAt - TimeSpan.FromSeconds(1.9), closed.DecidedAt);
    }

    [Fact]
    public async Task A_decision_recorded_before_the_timeout_counts_even_if_its_event_never_arrived()
    {
        var steps = new ScriptedSteps();
        await using var loop = await ScriptedLoop.StartAsync(steps, m => m["approval"]!["timeout"] = "00:00:02");

        var report = await loop.FinishAsync(await loop.StartRunAsync(), new ApprovalDecision(true, "ana", "approved just in time"), deliver: false);

        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Equal(new ApprovalReport(ApprovalVerdict.Approved, "ana"), report.Approval);
        // Decided before half the timeout: the escalation found the decision and told no one.
        var escalation = await loop.Host.Client.WaitForInstanceCompletionAsync(EscalationInput.InstanceId(report.RunId!), getInputsAndOutputs: true);
        Assert.False(escalation.ReadOutputAs<bool>());
        Assert.Empty(loop.Escalations);
        Assert.Null(await loop.Host.Services.GetRequiredService<SelfImprove.Steps.ApprovalEscalations>().ReadAsync(report.RunId!));
    }

    [Fact]
    public async Task A_lost_trial_rolls_back_and_the_old_version_keeps_serving()
    {
        var steps = new ScriptedSteps { TrialWins = false };
        await using var loop = await ScriptedLoop.StartAsync(steps);

        var report = await loop.FinishAsync(await loop.StartRunAsync(), Approve);

        Assert.Equal(RunStatus.Rejected, report.Status);
        Assert.StartsWith("A/B trial lost, rolled back", report.Reason);
        Assert.Equal(TrialDecision.Rollback, report.Deployment!.Decision);
        Assert.Equal(ScriptedSteps.Serving, report.ServingVersion);
        Assert.Contains("rollback v2", steps.Calls);
        Assert.DoesNotContain(steps.Calls, c => c.StartsWith("promote"));
    }

    [Fact]
    public async Task A_step_that_fails_ends_the_run_as_failed_with_the_reason_and_frees_the_agent()
    {
        var steps = new ScriptedSteps { TrainingFails = true };
        await using var loop = await ScriptedLoop.StartAsync(steps);

        var report = await loop.FinishAsync(await loop.StartRunAsync(), Approve);

        Assert.Equal(RunStatus.Failed, report.Status);
        Assert.Contains("TrainCandidateActivity failed", report.Reason);
        Assert.Contains("is missing from the store", report.Reason);
        Assert.Single(steps.Calls, c => c.StartsWith("train"));
        Assert.Null((await loop.Ledger.StateAsync(ScriptedLoop.AgentId)).RunningRunId);
        Assert.Equal(report, await loop.Ledger.ReportAsync(report.RunId!));
    }

    [Fact]
    public async Task The_run_releases_the_agent_when_it_ends_so_the_next_one_can_start()
    {
        await using var loop = await ScriptedLoop.StartAsync(new ScriptedSteps());

        var first = await loop.FinishAsync(await loop.StartRunAsync(), Approve);
        var second = await loop.StartRunAsync();

        Assert.Equal("support-router-1", first.RunId);
        Assert.Equal("support-router-2", second);
        Assert.NotNull((await loop.Ledger.StateAsync(ScriptedLoop.AgentId)).LastRunEndedAt);
    }

    [Fact]
    public async Task The_trial_is_checked_between_durable_timers_until_it_has_the_evidence_to_decide()
    {
        var steps = new ScriptedSteps { UndecidedTrialChecks = 2 };
        await using var loop = await ScriptedLoop.StartAsync(steps, m =>
        {
            m["deployment"]!["checkEvery"] = "00:00:01";
            m["deployment"]!["maxDuration"] = "00:05:00";
        });
        var runId = await loop.StartRunAsync();

        var report = await loop.FinishAsync(runId, Approve);

        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Equal(["trial v2", "check", "check", "check", "promote v2"],
            steps.Calls.SkipWhile(c => !c.StartsWith("trial", StringComparison.Ordinal)).ToArray());
    }

    [Fact]
    public async Task A_trial_that_never_gets_enough_evidence_decides_at_its_maximum_duration()
    {
        var steps = new ScriptedSteps { UndecidedTrialChecks = int.MaxValue, TrialWins = false };
        await using var loop = await ScriptedLoop.StartAsync(steps, m =>
        {
            m["deployment"]!["checkEvery"] = "00:00:01";
            m["deployment"]!["maxDuration"] = "00:00:02";
        });
        var runId = await loop.StartRunAsync();

        var report = await loop.FinishAsync(runId, Approve);

        Assert.Equal(RunStatus.Rejected, report.Status);
        Assert.Equal("final check", steps.Calls.Last(c => c.Contains("check", StringComparison.Ordinal)));
        Assert.Contains(steps.Calls, c => c.StartsWith("rollback", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_run_on_version_1_still_completes_its_trial_decided_in_one_step_on_the_traffic_log()
    {
        var steps = new ScriptedSteps();
        await using var loop = await ScriptedLoop.StartAsync(steps, runOrchestrations: new RunOrchestrations([typeof(ImprovementRunOrchestrator)]));
        var runId = await loop.StartRunAsync();

        var report = await loop.FinishAsync(runId, Approve);

        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Equal(1, (await loop.Host.Runs.GetAsync(runId))!.OrchestrationVersion);
        Assert.Equal(["trial v2", "final check", "promote v2"], steps.Calls.SkipWhile(c => !c.StartsWith("trial", StringComparison.Ordinal)).ToArray());
        Assert.DoesNotContain("labelling 1", steps.Calls);
    }
}
