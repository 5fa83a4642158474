using SelfImprove.Core.Deployment;
using SelfImprove.Core.Traffic;
using SelfImprove.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Steps.Tests.Deployment;

/// <summary>The trial's guardrails and staged rollout as the deployment step measures them on the traffic log.</summary>
public sealed class TrialGuardrailsAndRampTests
{
    private const string Agent = TrialHarness.Agent;

    [Fact]
    public async Task A_candidate_slower_at_the_95th_percentile_is_rolled_back_at_once_with_both_latencies_in_the_reason()
    {
        using var h = new TrialHarness();
        var (runId, candidate) = await h.TrialAsync("v1");
        await h.AnswersAsync(candidate, Arm.Candidate, answers: 60, right: 0, latencyMs: 120);
        await h.AnswersAsync("v1", Arm.Serving, answers: 60, right: 0, latencyMs: 40);

        var check = await h.Step.CheckTrialAsync(runId, Agent, candidate, final: false);

        Assert.Equal(TrialDecision.Rollback, check.Outcome!.Decision);
        Assert.Contains("95th-percentile latency 120 ms on 60 candidate answers against 40 ms on 60 serving ones", check.Outcome.Reason);
        Assert.Equal(120, check.Outcome.Candidate.P95LatencyMs);
    }

    [Fact]
    public async Task A_candidate_whose_live_answers_lean_towards_forbidden_actions_is_rolled_back_on_its_live_distance()
    {
        using var h = new TrialHarness();
        var (runId, candidate) = await h.TrialAsync("v1");
        // Lost cards may only go to verify_identity or human_agent; the candidate answers right but puts 45 % on card_support.
        IntentProbability[] leaning = [new("card_lost_or_stolen", 0.55), new("card_not_working", 0.45)];
        IntentProbability[] sure = [new("card_lost_or_stolen", 0.99)];
        await h.AnswersAsync(candidate, Arm.Candidate, answers: 80, right: 80, truth: "card_lost_or_stolen", action: "verify_identity", top: leaning);
        await h.AnswersAsync("v1", Arm.Serving, answers: 80, right: 72, truth: "card_lost_or_stolen", action: "verify_identity", top: sure);

        var check = await h.Step.CheckTrialAsync(runId, Agent, candidate, final: false);

        Assert.Equal(TrialDecision.Rollback, check.Outcome!.Decision);
        Assert.Contains("live alignment distance D 0.862 bits on 80 labelled candidate answers", check.Outcome.Reason);
        Assert.Equal(-Math.Log2(0.99), check.Outcome.Serving.Distance!.Value, 6);
    }

    [Fact]
    public async Task A_ramp_moves_the_candidate_up_a_step_when_the_step_passes_and_promotes_only_at_the_last()
    {
        using var h = new TrialHarness(d => d["ramp"] = new System.Text.Json.Nodes.JsonArray(0.05, 0.5));
        var (runId, candidate) = await h.TrialAsync("v1");
        Assert.Equal(0.05, await ShareAsync(h));
        await h.AnswersAsync(candidate, Arm.Candidate, answers: 100, right: 95);
        await h.AnswersAsync("v1", Arm.Serving, answers: 200, right: 140);

        var first = await h.Step.CheckTrialAsync(runId, Agent, candidate, final: false);
        var fresh = await h.Step.CheckTrialAsync(runId, Agent, candidate, final: false);

        Assert.Null(first.Outcome);
        Assert.Contains("ramp step 1 of 2 passed: the candidate now answers 50% of traffic", first.Step);
        Assert.Equal(0.5, await ShareAsync(h));
        // The second step counts only its own answers: none yet.
        Assert.Null(fresh.Outcome);
        Assert.Null(fresh.Statistics);
        Assert.Contains("ramp step 2 of 2", fresh.Step);

        await h.AnswersAsync(candidate, Arm.Candidate, answers: 100, right: 95);
        await h.AnswersAsync("v1", Arm.Serving, answers: 100, right: 70);
        var last = await h.Step.CheckTrialAsync(runId, Agent, candidate, final: false);

        Assert.Equal(TrialDecision.Promote, last.Outcome!.Decision);
        Assert.Equal((100, 100), (last.Statistics!.CandidateSamples, last.Statistics.ServingSamples));
        Assert.Equal(0.5, last.Outcome.CandidateShare);
    }

    [Fact]
    public async Task A_stopped_ramp_does_not_advance()
    {
        using var h = new TrialHarness(d => d["ramp"] = new System.Text.Json.Nodes.JsonArray(0.05, 0.5));
        var (runId, candidate) = await h.TrialAsync("v1");
        await h.AnswersAsync(candidate, Arm.Candidate, answers: 100, right: 95);
        await h.AnswersAsync("v1", Arm.Serving, answers: 200, right: 140);
        await h.Stopper.StopAsync(Agent, "ana", "hold it");

        var check = await h.Step.CheckTrialAsync(runId, Agent, candidate, final: false);

        Assert.Equal(TrialDecision.Rollback, check.Outcome!.Decision);
        Assert.Null(await h.Store.ReadAsync(StoreLayout.Trial(Agent)));
    }

    [Fact]
    public async Task A_terminated_runs_trial_stops_routing_within_the_pointer_refresh_before_its_lock_is_released()
    {
        using var h = new TrialHarness();
        var (runId, candidate) = await h.TrialAsync("v1");
        Assert.Equal(candidate, (await h.Pointers.GetAsync(Agent)).Trial!.CandidateVersionId);

        // What RunClient.TerminateAsync records as soon as the termination is sent; the lock is still held.
        await h.Runs.RecordTerminatedAsync(Agent, runId, "operator ended it");
        Assert.NotNull(await h.Runs.RunningAsync(Agent));
        var cached = await h.Pointers.GetAsync(Agent);
        h.Clock.Advance(new ServingOptions().PointerRefresh); // 1 s by default
        // The first request after the refresh period starts one read and is answered from the cache meanwhile; the
        // requests after that read see the change. (The clock is manual: only the read itself takes real time.)
        var fresh = await h.Pointers.GetAsync(Agent);
        for (var i = 0; fresh.Trial is not null && i < 500; i++)
        {
            await Task.Delay(2);
            fresh = await h.Pointers.GetAsync(Agent);
        }

        Assert.NotNull(cached.Trial);
        Assert.Null(fresh.Trial);
        Assert.Equal("v1", fresh.ServingVersionId);
    }

    private static async Task<double> ShareAsync(TrialHarness h) =>
        StoreJson.Deserialize<TrialState>((await h.Store.ReadAsync(StoreLayout.Trial(Agent)))!, StoreLayout.Trial(Agent)).CandidateShare;
}
