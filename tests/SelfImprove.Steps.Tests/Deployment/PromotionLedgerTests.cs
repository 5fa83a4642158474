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
    private readonly TrialHarness h = new();

    public void Dispose() => h.Dispose();

    [Fact]
    public async Task A_promotion_is_recorded_once_with_the_trials_statistics_and_the_approval_also_when_replayed()
    {
        var (runId, candidate) = await h.TrialAsync("v1");
        await h.AnswersAsync(candidate, Arm.Candidate, answers: 100, right: 95);
        await h.AnswersAsync("v1", Arm.Serving, answers: 200, right: 140);
        var token = await h.Approvals.IssueAsync(runId, h.Clock.GetUtcNow().AddHours(1));
        await h.Approvals.RecordAsync(runId, token, new ApprovalDecision(true, "ana", "fine"));
        // The gate's verdict, as the alignment step keeps it beside the candidate.
        await h.Store.WriteAsync(StoreLayout.VersionAlignment(TrialHarness.Agent, candidate), StoreJson.Serialize(
            Core.Alignment.AlignmentAssessment.Judge(0.1, 0.9, 0.1, 0.9, 1.0) with { ThresholdsVersion = "2026-11", ConstitutionVersion = "7" }));

        var check = await h.Step.CheckTrialAsync(runId, TrialHarness.Agent, candidate, final: false);
        Assert.Equal(TrialDecision.Promote, check.Outcome!.Decision);
        await h.Step.PromoteAsync(runId, TrialHarness.Agent, candidate);
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.Step.PromoteAsync(runId, TrialHarness.Agent, candidate); // the activity again, after a crash before it reported
        await h.Step.RollbackAsync(runId, TrialHarness.Agent, candidate); // and a late rollback of the same run

        var record = Assert.Single(await h.Deployments.ListAsync(TrialHarness.Agent));
        Assert.Equal((DeploymentChange.Promoted, candidate, "v1", runId), (record.Change, record.ServingVersionId, record.PreviousVersionId, record.RunId));
        Assert.Equal((100, 200), (record.Trial!.CandidateSamples, record.Trial.ServingSamples));
        Assert.Equal(0.95 - 0.70, record.Trial.Estimate, 9);
        Assert.True(record.Trial.Lower > 0 && record.Trial.Upper > record.Trial.Lower);
        Assert.Equal(new Core.Runs.ApprovalReport(Core.Runs.ApprovalVerdict.Approved, "ana"), record.Approval);
        Assert.Equal(check.Outcome.Reason, record.Reason);
        Assert.Equal(new JudgedUnder("2026-11", "7", true), record.Alignment);
        Assert.Equal(candidate, (await h.Registry.GetServingAsync(TrialHarness.Agent))!.VersionId);
    }

    [Fact]
    public async Task A_lost_trial_and_a_run_that_ended_during_its_trial_are_each_recorded_once_as_rolled_back()
    {
        var (lost, first) = await h.TrialAsync("v1");
        await h.AnswersAsync(first, Arm.Candidate, answers: 100, right: 30);
        await h.AnswersAsync("v1", Arm.Serving, answers: 200, right: 140);
        Assert.Equal(TrialDecision.Rollback, (await h.Step.CheckTrialAsync(lost, TrialHarness.Agent, first, final: false)).Outcome!.Decision);
        await h.Step.RollbackAsync(lost, TrialHarness.Agent, first);
        await h.Step.RollbackAsync(lost, TrialHarness.Agent, first);
        await h.Runs.ReleaseAsync(TrialHarness.Agent, lost);

        h.Clock.Advance(TimeSpan.FromMinutes(5));
        var (terminated, second) = await h.TrialAsync("v1");
        await h.Step.RollbackAsync(terminated, TrialHarness.Agent, second); // terminated before any check decided
        await h.Step.RollbackAsync(terminated, TrialHarness.Agent, second);

        var records = await h.Deployments.ListAsync(TrialHarness.Agent);
        Assert.Equal([(terminated, second), (lost, first)], records.Select(r => (r.RunId!, r.CandidateVersionId!)).ToArray());
        Assert.All(records, r => Assert.Equal((DeploymentChange.RolledBack, "v1"), (r.Change, r.ServingVersionId)));
        Assert.Contains("worse than the serving version", records[1].Reason);
        Assert.NotNull(records[1].Trial);
        Assert.Contains("ended before its trial decided", records[0].Reason);
        Assert.Null(records[0].Trial);
        Assert.Equal("v1", (await h.Registry.GetServingAsync(TrialHarness.Agent))!.VersionId);
    }

    [Fact]
    public async Task A_stopped_trial_stops_routing_at_once_and_its_run_rolls_back_with_the_reason_at_the_next_check()
    {
        var (runId, candidate) = await h.TrialAsync("v1");
        await h.AnswersAsync(candidate, Arm.Candidate, answers: 100, right: 95); // winning, but a person stops it

        var stopped = await h.Stopper.StopAsync(TrialHarness.Agent, "ana", "complaints from the call centre");
        var again = await h.Stopper.StopAsync(TrialHarness.Agent, "bob", "again");

        Assert.True(stopped.Stopped);
        Assert.Equal(runId, stopped.RunId);
        Assert.False(again.Stopped);
        Assert.Null(await h.Store.ReadAsync(StoreLayout.Trial(TrialHarness.Agent))); // what the router reads: no candidate share any more
        var check = await h.Step.CheckTrialAsync(runId, TrialHarness.Agent, candidate, final: false);
        Assert.Equal(TrialDecision.Rollback, check.Outcome!.Decision);
        Assert.Contains("stopped by ana", check.Outcome.Reason);
        await h.Step.RollbackAsync(runId, TrialHarness.Agent, candidate);
        var record = Assert.Single(await h.Deployments.ListAsync(TrialHarness.Agent));
        Assert.Equal(DeploymentChange.RolledBack, record.Change);
        Assert.Contains("complaints from the call centre", record.Reason);
        Assert.Equal("v1", (await h.Registry.GetServingAsync(TrialHarness.Agent))!.VersionId);
    }

    [Fact]
    public async Task A_run_whose_trial_never_started_records_nothing()
    {
        var serving = await h.VersionAsync(null);
        await h.Registry.SetServingAsync(TrialHarness.Agent, serving, "trained");
        var run = await h.Starter.StartAsync(new RunStartRequest(TrialHarness.Agent, "drift", Manual: true));
        var candidate = await h.VersionAsync(serving);

        await h.Step.RollbackAsync(run.RunId!, TrialHarness.Agent, candidate);

        Assert.Empty(await h.Deployments.ListAsync(TrialHarness.Agent));
    }
}
