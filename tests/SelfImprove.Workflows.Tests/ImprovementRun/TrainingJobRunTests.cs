using System.Diagnostics;
using System.Text.Json.Nodes;
using SelfImprove.Core.Runs;
using SelfImprove.Core.Training;
using SelfImprove.Runs;
using SelfImprove.Testing;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.Tests.ImprovementRun;

/// <summary>
/// Version 3 of the run with <c>training.compute.target: worker</c> on the real durable host: the train step submits a job and waits
/// for it (the completion event, status checks on a durable timer, the deadline), with the job's status scripted.
/// </summary>
public sealed class TrainingJobRunTests
{
    private static readonly ApprovalDecision Approve = new(true, "ana", null);

    private static Task<ScriptedLoop> StartAsync(ScriptedSteps steps, string checkEvery, string timeout = "00:10:00", int maxResubmissions = 2) =>
        ScriptedLoop.StartAsync(steps, m => m["training"]!["compute"] = new JsonObject
        {
            ["target"] = "worker",
            ["checkEvery"] = checkEvery,
            ["timeout"] = timeout,
            ["heartbeatTimeout"] = "00:00:05",
            ["maxResubmissions"] = maxResubmissions,
        });

    private static TrainingJobCheck Running(bool stale = false) => new("", TrainingJobState.Running, WorkerId: "w1", Stale: stale, LastSeen: DateTimeOffset.UnixEpoch);

    private static async Task WaitForCallAsync(ScriptedSteps steps, string call)
    {
        var watch = Stopwatch.StartNew();
        while (!steps.Calls.Contains(call))
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"No '{call}' call; calls: {string.Join(", ", steps.Calls)}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task The_completion_event_wakes_the_run_long_before_its_next_status_check_and_the_job_candidate_is_adopted_once()
    {
        var done = false;
        var steps = new ScriptedSteps
        {
            JobStatus = (check, attempt) => check > 0 && Volatile.Read(ref done) ? new TrainingJobCheck("", TrainingJobState.Succeeded, $"v{attempt + 1}") : Running(),
        };
        // A status check every 10 minutes: the run can only finish within the test's time through the event.
        await using var loop = await StartAsync(steps, checkEvery: "00:10:00", timeout: "02:00:00");
        var runId = await loop.StartRunAsync();
        await WaitForCallAsync(steps, "check job 1");

        Volatile.Write(ref done, true);
        var raised = await loop.Host.Runs.RaiseEventAsync(runId, RunEvents.TrainingCompleted,
            new TrainingCompleted(TrainingJobSpec.JobIdOf(runId, 1), TrainingJobState.Succeeded));
        var report = await loop.FinishAsync(runId, Approve);

        Assert.Equal(RunCommandOutcome.Done, raised.Outcome);
        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Equal("v2", report.CandidateVersion);
        Assert.Equal(["submit job 1 on 1 batches", "check job 1", "check job 1", "evaluate v2"],
            steps.Calls.Where(c => c.Contains("job", StringComparison.Ordinal) || c.StartsWith("evaluate", StringComparison.Ordinal) || c.StartsWith("train", StringComparison.Ordinal)));
        Assert.Single(steps.Calls, "promote v2");
        var log = (await loop.Host.Runs.GetAsync(runId))!.Log.Select(e => e.Detail).ToArray();
        Assert.Contains(log, l => l.StartsWith($"training job {runId}.attempt-1 queued for a 'worker' worker", StringComparison.Ordinal));
        Assert.Contains($"training job {runId}.attempt-1 trained v2", log);
    }

    [Fact]
    public async Task A_lost_completion_event_is_made_up_for_by_the_status_check_on_the_durable_timer()
    {
        var steps = new ScriptedSteps
        {
            JobStatus = (check, attempt) => check < 1 ? Running() : new TrainingJobCheck("", TrainingJobState.Succeeded, $"v{attempt + 1}"),
        };
        await using var loop = await StartAsync(steps, checkEvery: "00:00:01");

        var report = await loop.FinishAsync(await loop.StartRunAsync(), Approve);

        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Equal("v2", report.CandidateVersion);
        Assert.Equal(2, steps.Calls.Count(c => c == "check job 1"));
        Assert.DoesNotContain(steps.Calls, c => c.StartsWith("train ", StringComparison.Ordinal)); // nothing trains in the run's process
    }

    [Fact]
    public async Task A_job_whose_heartbeat_stays_stale_is_resubmitted_up_to_the_bound_then_the_run_fails_naming_the_job_and_why()
    {
        var steps = new ScriptedSteps { JobStatus = (_, _) => Running(stale: true) };
        await using var loop = await StartAsync(steps, checkEvery: "00:00:01", maxResubmissions: 1);
        var runId = await loop.StartRunAsync();

        var report = await loop.FinishAsync(runId);

        Assert.Equal(RunStatus.Failed, report.Status);
        Assert.StartsWith($"training job {runId}.attempt-1 failed: worker w1 sent no heartbeat since", report.Reason);
        Assert.Contains("after 1 resubmission(s) (training.compute.maxResubmissions 1)", report.Reason);
        Assert.Equal(1, steps.Calls.Count(c => c == "resubmit job 1"));
        Assert.Single(steps.Calls, c => c.StartsWith("cancel job 1: ", StringComparison.Ordinal));
        Assert.DoesNotContain(steps.Calls, c => c.StartsWith("evaluate", StringComparison.Ordinal));
        Assert.Null(report.CandidateVersion);
    }

    [Fact]
    public async Task A_job_that_outlives_its_deadline_fails_the_run_with_the_reason_and_is_cancelled()
    {
        var steps = new ScriptedSteps { JobStatus = (_, _) => Running() };
        await using var loop = await StartAsync(steps, checkEvery: "00:00:01", timeout: "00:00:01");
        var runId = await loop.StartRunAsync();

        var report = await loop.FinishAsync(runId);

        Assert.Equal(RunStatus.Failed, report.Status);
        Assert.Equal($"training job {runId}.attempt-1 did not finish within 00:00:01 (training.compute.timeout); it was running", report.Reason);
        Assert.Single(steps.Calls, $"cancel job 1: {report.Reason}");
        Assert.Equal(2, steps.Calls.Count(c => c == "check job 1")); // at once, and at the deadline
    }

    [Fact]
    public async Task A_poisoned_job_fails_the_run_naming_the_job_and_the_reason()
    {
        var steps = new ScriptedSteps
        {
            JobStatus = (_, _) => new TrainingJobCheck("", TrainingJobState.Failed, Reason: "delivered 6 times (more than 5) without finishing; it is in the poison queue"),
        };
        await using var loop = await StartAsync(steps, checkEvery: "00:00:01");
        var runId = await loop.StartRunAsync();

        var report = await loop.FinishAsync(runId);

        Assert.Equal(RunStatus.Failed, report.Status);
        Assert.Equal($"training job {runId}.attempt-1 failed: delivered 6 times (more than 5) without finishing; it is in the poison queue", report.Reason);
        Assert.Equal(1, steps.Calls.Count(c => c == "check job 1"));
        Assert.Equal(3, (await loop.Host.Runs.GetAsync(runId))!.OrchestrationVersion);
    }
}
