using SelfImprove.Core.Deployment;
using SelfImprove.Core.Traffic;

namespace SelfImprove.Steps.Tests.Deployment;

/// <summary>The trial compares both versions on the same labelled requests when the log holds each request's shadow answer.</summary>
public sealed class PairedTrialTests
{
    private const string Agent = TrialHarness.Agent;

    [Fact]
    public async Task With_shadow_answers_logged_the_check_counts_both_versions_on_every_labelled_request()
    {
        using var h = new TrialHarness();
        var (runId, candidate) = await h.TrialAsync("v1");
        var serving = "v1";
        // Candidate's own 60 answers: 57 right; serving's shadow answers to them: right on the first 51.
        await h.AnswersAsync(candidate, Arm.Candidate, answers: 60, right: 57, shadowOf: serving, shadowRight: i => i < 51);
        // Serving's own 240 answers: 204 right; the candidate's shadow answers: right on those and on 12 more.
        await h.AnswersAsync(serving, Arm.Serving, answers: 240, right: 204, shadowOf: candidate, shadowRight: i => i < 216);

        var check = await h.Step.CheckTrialAsync(runId, Agent, candidate, final: false);

        var statistics = check.Statistics!;
        Assert.Equal(300, statistics.Pairs);
        // Candidate right on 57 + 216 = 273, serving on 51 + 204 = 255 of the same 300 requests.
        Assert.Equal((273 - 255) / 300.0, statistics.Estimate, 9);
        Assert.Equal((60, 240), (statistics.CandidateSamples, statistics.ServingSamples));
        Assert.Equal(TrialDecision.Promote, check.Outcome!.Decision);
        Assert.Contains("scored by both versions", check.Outcome.Reason);
    }

    [Fact]
    public async Task Answers_logged_without_a_shadow_answer_fall_back_to_the_unpaired_test()
    {
        using var h = new TrialHarness();
        var (runId, candidate) = await h.TrialAsync("v1");
        await h.AnswersAsync(candidate, Arm.Candidate, answers: 60, right: 57, shadowOf: "v1", shadowRight: _ => true);
        await h.AnswersAsync("v1", Arm.Serving, answers: 240, right: 204); // an older router: no shadow answers

        var check = await h.Step.CheckTrialAsync(runId, Agent, candidate, final: false);

        Assert.Null(check.Statistics!.Pairs);
        Assert.Equal(57 / 60.0 - 204 / 240.0, check.Statistics.Estimate, 9);
    }
}
