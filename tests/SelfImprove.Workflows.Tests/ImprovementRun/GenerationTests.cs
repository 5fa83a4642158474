using SelfImprove.Runs;
using SelfImprove.Testing;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.Steps;
using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Workflows.Tests.ImprovementRun;

/// <summary>The generate part of a run: one activity per teacher batch within the token budget, and the wait for people's demonstrations.</summary>
public sealed class GenerationTests
{
    private static readonly ApprovalDecision Approve = new(true, "ana", "looks good");
    private static readonly DemonstratedSample[] TwoSamples =
    [
        new("my virtual card gets declined when I tap my phone", "contactless_not_working"),
        new("the app says my transfer is still processing after 3 days", "transfer_pending"),
    ];

    [Fact]
    public async Task Each_teacher_batch_is_its_own_activity_and_generation_stops_when_the_budget_is_spent()
    {
        var steps = new ScriptedSteps { TeacherBatches = 5, TokensPerBatch = 400, TokenBudget = 1000 };
        await using var loop = await ScriptedLoop.StartAsync(steps);

        var runId = await loop.StartRunAsync();
        var report = await loop.FinishAsync(runId, Approve);

        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Equal(["generate 1", "teach 1.0", "teach 1.1", "teach 1.2", "labelling 1", "assemble 1", "train 1 on 1 batches"],
            steps.Calls.SkipWhile(c => c != "generate 1").Take(7));
        Assert.Contains(await LogAsync(loop, runId), l => l.Detail == "token budget spent (1200 of 1000): 2 of 5 teacher batches not run");
    }

    [Fact]
    public async Task A_plan_that_asks_people_waits_for_their_demonstrations_and_goes_on_when_they_arrive()
    {
        var steps = new ScriptedSteps { AskHumans = true };
        await using var loop = await ScriptedLoop.StartAsync(steps, m =>
        {
            m["teacher"]!["allowHumanDemonstrations"] = true;
            m["teacher"]!["demonstrationTimeout"] = "01:00:00";
        });
        var runId = await loop.StartRunAsync();

        var progress = await WaitUntilAsync(loop, runId, p => p.WaitingForDemonstrations);
        Assert.DoesNotContain("assemble 1", steps.Calls);
        var sent = await loop.Host.Runs.DemonstrateAsync(runId, "ana", TwoSamples);
        var received = sent.Received!;
        var report = await loop.FinishAsync(runId, Approve);

        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.StartsWith("waiting for demonstrations until", progress.Current.Detail);
        Assert.Equal((1, "ana", 2), (received.Attempt, received.By, received.Count));
        Assert.StartsWith($"runs/{runId}/attempt-1/demonstrations/", received.BlobName);
        var stored = JsonDocument.Parse((await loop.Host.Services.GetArtifactStore().ReadAsync(received.BlobName))!).RootElement;
        Assert.Equal("human:ana", stored[0].GetProperty("source").GetString());
        Assert.Contains(await LogAsync(loop, runId), l => l.Detail == "2 demonstrated samples from ana");
        Assert.Contains("assemble 1", steps.Calls);
    }

    [Fact]
    public async Task Without_demonstrations_the_run_goes_on_after_the_durable_timeout()
    {
        var steps = new ScriptedSteps { AskHumans = true };
        await using var loop = await ScriptedLoop.StartAsync(steps, m =>
        {
            m["teacher"]!["allowHumanDemonstrations"] = true;
            m["teacher"]!["demonstrationTimeout"] = "00:00:02";
        });
        var runId = await loop.StartRunAsync();

        var report = await loop.FinishAsync(runId, Approve);

        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Contains(await LogAsync(loop, runId), l => l.Detail == "no demonstrations arrived in time; going on with the teachers' samples");
        Assert.Equal(DemonstrationOutcome.NotWaiting, (await loop.Host.Runs.DemonstrateAsync(runId, "ana", TwoSamples)).Outcome);
    }

    [Fact]
    public async Task A_run_whose_manifest_does_not_allow_demonstrations_never_waits_for_them()
    {
        var steps = new ScriptedSteps { AskHumans = true };
        await using var loop = await ScriptedLoop.StartAsync(steps);
        var runId = await loop.StartRunAsync();

        await loop.FinishAsync(runId, Approve);

        Assert.DoesNotContain(await LogAsync(loop, runId), l => l.Detail.Contains("demonstrations"));
    }

    [Fact]
    public async Task Demonstrations_with_unknown_labels_or_empty_text_are_refused_with_every_problem_named()
    {
        var steps = new ScriptedSteps { AskHumans = true };
        await using var loop = await ScriptedLoop.StartAsync(steps, m => m["teacher"]!["allowHumanDemonstrations"] = true);
        var runId = await loop.StartRunAsync();
        await WaitUntilAsync(loop, runId, p => p.WaitingForDemonstrations);

        var refused = await loop.Host.Runs.DemonstrateAsync(runId, "ana", [new("I want bitcoin", "buy_crypto"), new("  ", "transfer_pending")]);
        var unknownRun = await loop.Host.Runs.DemonstrateAsync("no-such-run-1", "ana", TwoSamples);

        Assert.Contains("samples[0].label: 'buy_crypto' is not an intent of agent 'support-router'", refused.Message);
        Assert.Contains("samples[1].text: is empty", refused.Message);
        Assert.Equal(DemonstrationOutcome.Invalid, refused.Outcome);
        Assert.Equal(DemonstrationOutcome.UnknownRun, unknownRun.Outcome);
        Assert.Contains("no-such-run-1", unknownRun.Message);
        Assert.Empty(await loop.Host.Services.GetArtifactStore().ListAsync($"runs/{runId}/attempt-1/demonstrations/"));
        Assert.Equal(DemonstrationOutcome.Accepted, (await loop.Host.Runs.DemonstrateAsync(runId, "ana", TwoSamples)).Outcome);
        Assert.Equal(RunStatus.Promoted, (await loop.FinishAsync(runId, Approve)).Status);
    }

    [Fact]
    public async Task A_run_waits_for_people_to_label_what_it_queued_and_goes_on_when_the_last_label_arrives()
    {
        var steps = new ScriptedSteps { Labelling = new LabellingProgress(3, 1) };
        await using var loop = await ScriptedLoop.StartAsync(steps, m =>
        {
            m["teacher"]!["allowHumanLabelling"] = true;
            m["teacher"]!["labellingTimeout"] = "01:00:00";
        });
        var runId = await loop.StartRunAsync();

        var waiting = await WaitUntilAsync(loop, runId, p => p.WaitingForLabels);
        Assert.StartsWith("waiting until", waiting.Current.Detail);
        Assert.EndsWith("for people to label 2 of 3 queued requests", waiting.Current.Detail);
        Assert.DoesNotContain("assemble 1", steps.Calls);
        // Only the labelling route raises the event; the generic event route refuses it.
        Assert.NotNull(RunClient.ReservedEvent(runId, RunEvents.Labelled));

        // What the labelling route does once the last label is in: the run is told, with the attempt.
        steps.Labelling = new LabellingProgress(3, 3);
        await loop.Host.Client.RaiseEventAsync(runId, RunEvents.Labelled, new LabelsAnswered(1, 3));
        var report = await loop.FinishAsync(runId, Approve);

        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Contains(await LogAsync(loop, runId), l => l.Detail == "people labelled all 3 queued requests");
        Assert.Contains("assemble 1", steps.Calls);
    }

    [Fact]
    public async Task A_run_whose_labellers_never_answer_goes_on_after_the_durable_timeout_with_what_it_has()
    {
        var steps = new ScriptedSteps { Labelling = new LabellingProgress(3, 1) };
        await using var loop = await ScriptedLoop.StartAsync(steps, m =>
        {
            m["teacher"]!["allowHumanLabelling"] = true;
            m["teacher"]!["labellingTimeout"] = "00:00:02";
        });
        var runId = await loop.StartRunAsync();

        var report = await loop.FinishAsync(runId, Approve);

        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Contains(await LogAsync(loop, runId),
            l => l.Detail == "labelling time is up: people labelled 1 of 3 queued requests; the rest stay in the queue");
    }

    [Fact]
    public async Task A_run_with_nothing_queued_or_without_the_switch_never_waits_for_labels()
    {
        var nothingQueued = new ScriptedSteps { Labelling = new LabellingProgress(0, 0) };
        await using (var loop = await ScriptedLoop.StartAsync(nothingQueued, m => m["teacher"]!["allowHumanLabelling"] = true))
        {
            var runId = await loop.StartRunAsync();
            await loop.FinishAsync(runId, Approve);
            Assert.DoesNotContain(await LogAsync(loop, runId), l => l.Detail.Contains("people to label") || l.Detail.Contains("labelled"));
            Assert.Contains("labelling 1", nothingQueued.Calls);
        }

        var switchedOff = new ScriptedSteps { Labelling = new LabellingProgress(5, 0) };
        await using (var loop = await ScriptedLoop.StartAsync(switchedOff, m => m["teacher"]!["allowHumanLabelling"] = false))
        {
            var runId = await loop.StartRunAsync();
            Assert.Equal(RunStatus.Promoted, (await loop.FinishAsync(runId, Approve)).Status);
            Assert.DoesNotContain("labelling 1", switchedOff.Calls);
        }
    }

    private static async Task<RunProgress> WaitUntilAsync(ScriptedLoop loop, string runId, Func<RunProgress, bool> condition)
    {
        for (var deadline = DateTime.UtcNow.AddMinutes(1); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            var state = await loop.Host.Client.GetInstanceAsync(runId, getInputsAndOutputs: true);
            if (state?.SerializedCustomStatus is { } status && JsonSerializer.Deserialize<RunProgress>(status, JsonSerializerOptions.Web) is { } progress && condition(progress))
                return progress;
        }
        throw new TimeoutException($"Run {runId} did not reach the expected state within a minute.");
    }

    private static async Task<IReadOnlyList<PhaseEntry>> LogAsync(ScriptedLoop loop, string runId)
    {
        var state = await loop.Host.Client.GetInstanceAsync(runId, getInputsAndOutputs: true);
        return JsonSerializer.Deserialize<RunProgress>(state!.SerializedCustomStatus!, JsonSerializerOptions.Web)!.Log;
    }
}

internal static class ServiceProviderExtensions
{
    public static Core.Ports.IArtifactStore GetArtifactStore(this IServiceProvider services) =>
        (Core.Ports.IArtifactStore)services.GetService(typeof(Core.Ports.IArtifactStore))!;
}
