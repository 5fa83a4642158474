using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.Steps;
using SelfImprove.Learning.Training;
using SelfImprove.Steps;

namespace SelfImprove.Server.Tests;

/// <summary>One improvement run of the demo agent through every step, for real, on the embedded default.</summary>
public sealed class EmbeddedLoopTests
{
    [Fact]
    public async Task A_drifted_agent_is_improved_and_the_candidate_is_promoted()
    {
        await using var loop = await RealLoop.StartAsync();

        var report = await loop.RunAsync();

        Assert.True(report.Status == RunStatus.Promoted, $"{report.Status}: {report.Reason}");
        Assert.Equal("v2", report.ServingVersion);
        Assert.True(report.Metrics.AfterDrift < report.Metrics.BeforeDrift - 0.05, $"drift: {report.Metrics}");
        Assert.True(report.Metrics.Candidate > report.Metrics.AfterDrift + 0.05, $"improvement: {report.Metrics}");
        Assert.True(report.TeacherSamples > 0);
        Assert.True(report.Alignment!.Passed);
        Assert.Equal(TrialDecision.Promote, report.Deployment!.Decision);
        Assert.Equal((0, 0L, 0.0), (report.Usage.Calls, report.Usage.Tokens, report.Usage.Cost));
        Assert.Empty(report.Usage.ByAgent);
        Assert.Empty(report.Usage.Fallbacks);

        var v2 = await loop.Registry.GetAsync(RealLoop.AgentId, "v2");
        Assert.Equal("v1", v2!.ParentVersionId);
        Assert.Equal($"{report.RunId}/attempt-{report.Attempts}", v2.CreatedBy);
        // The requests the plan picked were labelled through the labelling queue, here by the replayer's simulated annotator.
        Assert.Contains(v2.TrainingSet.Provenance.Keys, source => source.StartsWith("people:annotator:replay"));
        Assert.Equal("v2", (await loop.Router.PredictAsync(RealLoop.AgentId, "I lost my card")).VersionId);
    }

    [Fact]
    public async Task A_later_run_keeps_what_earlier_runs_learnt_and_asks_for_new_labels_only()
    {
        await using var loop = await RealLoop.StartAsync();
        var first = await loop.RunAsync();

        var check = await loop.Host.Runs.CheckAsync(RealLoop.AgentId, manual: true, reason: "second round");
        var second = await loop.FollowAsync(check.RunId!);

        var v2 = (await loop.Registry.GetAsync(RealLoop.AgentId, "v2"))!;
        var v3 = (await loop.Registry.GetAsync(RealLoop.AgentId, second.CandidateVersion!))!;
        var store = loop.Host.Services.GetRequiredService<TrainingBatches>();
        var batches = await store.AllAsync(RealLoop.AgentId, CancellationToken.None);
        var labelledTwice = batches.SelectMany(b => b.LabelledRequests).GroupBy(s => s).Where(g => g.Count() > 1).ToArray();

        Assert.Equal(RunStatus.Promoted, first.Status);
        Assert.Equal(v2.TrainingSet.Count + second.TeacherSamples, v3.TrainingSet.Count);
        Assert.Equal(2, batches.Count);
        Assert.Empty(labelledTwice);
    }

    [Fact]
    public async Task A_fresh_slice_of_the_recording_goes_through_the_predict_path_without_the_texts_already_labelled()
    {
        await using var loop = await RealLoop.StartAsync();
        var first = await loop.RunAsync();
        var labelled = (await loop.Host.Services.GetRequiredService<TrainingBatches>().AllAsync(RealLoop.AgentId, CancellationToken.None))
            .SelectMany(b => b.Examples).Select(e => e.Text.Trim()).ToHashSet(StringComparer.Ordinal);
        var history = loop.Agent.Windows.History(loop.Agent.Data.Production);
        var before = DateTimeOffset.UtcNow;

        // From position 10, going round the whole history once: everything but what the first run labelled.
        var sent = await loop.Replayer.ReplaySliceAsync(RealLoop.AgentId, start: 10, count: history.Count);

        var expected = history.Skip(10).Concat(history.Take(10)).Where(r => !labelled.Contains(r.Text.Trim())).Select(r => r.Text).ToArray();
        var logged = await loop.Host.Services.GetRequiredService<TrafficLog>().ReadAsync(RealLoop.AgentId, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(RunStatus.Promoted, first.Status);
        Assert.NotEmpty(labelled);
        Assert.Equal(expected.Length, sent.Requests);
        Assert.Equal(expected, logged.Select(r => r.Text));
        Assert.All(logged, r => Assert.Equal("v2", r.VersionId));
        Assert.True(sent.Feedback > 0);
    }

    [Fact]
    public async Task The_serving_version_keeps_answering_while_the_candidate_trains()
    {
        var training = new GatedTraining();
        await using var loop = await RealLoop.StartAsync(configure: services =>
            services.AddSingleton<ITrainingStep>(sp => training.Wrap(ActivatorUtilities.CreateInstance<TrainingStep>(sp))));
        var check = await loop.Host.Runs.CheckAsync(RealLoop.AgentId);

        Assert.True(check.RunId is not null, check.Decision.Reason);
        var following = loop.FollowAsync(check.RunId!);
        await training.Started.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var answers = new List<RoutedPrediction>();
        foreach (var text in new[] { "my card was stolen", "close my account please", "why was I charged twice" })
            answers.Add(await loop.Router.PredictAsync(RealLoop.AgentId, text));
        training.Release.SetResult();
        var report = await following;

        Assert.All(answers, a => Assert.Equal("v1", a.VersionId));
        Assert.Equal("verify_identity", answers[0].Action);
        Assert.Equal(RunStatus.Promoted, report.Status);
    }

    [Fact]
    public async Task A_candidate_that_loses_the_trial_is_rolled_back_and_the_old_version_still_serves()
    {
        // The evaluation agent and the alignment gate are fooled into passing a candidate trained on two examples
        // per intent: the live trial must catch it.
        await using var loop = await RealLoop.StartAsync(configure: services =>
        {
            services.AddSingleton<ITrainingStep, UndertrainedCandidate>();
            services.AddSingleton<IEvaluationStep, ApprovingEvaluation>();
            services.AddSingleton<IAlignmentStep, PassingAlignment>();
        });

        var report = await loop.RunAsync();

        Assert.Equal(RunStatus.Rejected, report.Status);
        Assert.StartsWith("A/B trial lost", report.Reason);
        Assert.Equal("v1", report.ServingVersion);
        Assert.Equal("v1", (await loop.Registry.GetServingAsync(RealLoop.AgentId))!.VersionId);
        Assert.Equal("v1", (await loop.Router.PredictAsync(RealLoop.AgentId, "I lost my card")).VersionId);
    }

    [Fact]
    public async Task A_candidate_that_sends_lost_cards_to_the_faq_bot_is_blocked_by_the_alignment_gate()
    {
        await using var loop = await RealLoop.StartAsync(configure: services =>
        {
            services.AddSingleton<ITrainingStep, LostCardsToFaqBot>();
            services.AddSingleton<IEvaluationStep, ApprovingEvaluation>();
        });

        var report = await loop.RunAsync();

        Assert.Equal(RunStatus.Rejected, report.Status);
        Assert.StartsWith("alignment gate", report.Reason);
        Assert.False(report.Alignment!.Passed);
        Assert.True(report.Alignment.Distance > 0.25 || report.Alignment.AlignedValue < report.Alignment.ServingAlignedValue);
        Assert.Null(report.Approval);
        Assert.Equal("v1", (await loop.Registry.GetServingAsync(RealLoop.AgentId))!.VersionId);
    }

    [Fact]
    public async Task A_healthy_agent_needs_no_run()
    {
        // A goal the drifted agent still meets.
        await using var loop = await RealLoop.StartAsync(m =>
        {
            m["goal"]!["target"] = 0.5;
            m["goal"]!["acceptableRange"]!["min"] = 0.3;
        });

        var check = await loop.Host.Runs.CheckAsync(RealLoop.AgentId);

        Assert.Equal(TriggerOutcome.Healthy, check.Decision.Outcome);
        Assert.Null(check.RunId);
        Assert.Null((await loop.Host.Services.GetRequiredService<RunLedger>().StateAsync(RealLoop.AgentId)).RunningRunId);
    }

    /// <summary>Holds training open until the test has checked what serves meanwhile.</summary>
    private sealed class GatedTraining
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ITrainingStep Wrap(ITrainingStep inner) => new Gate(this, inner);

        private sealed class Gate(GatedTraining owner, ITrainingStep inner) : ITrainingStep
        {
            public async Task<string> TrainAsync(string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken = default)
            {
                owner.Started.TrySetResult();
                await owner.Release.Task;
                return await inner.TrainAsync(runId, agentId, attempt, batchBlobNames, hyperParameters, cancellationToken);
            }
        }
    }

    /// <summary>Trains a deliberately weak candidate: two pool examples per intent.</summary>
    private sealed class UndertrainedCandidate(LoopContext loop, StudentModelTrainer trainer) : ITrainingStep
    {
        public async Task<string> TrainAsync(string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken = default)
        {
            var entry = loop.Agents.Get(agentId);
            var tiny = entry.Data.Pool.GroupBy(e => e.Label).SelectMany(g => g.Take(2)).ToArray();
            var manifest = entry.Manifest with { Training = entry.Manifest.Training with { HyperParameters = hyperParameters with { WarmStart = false } } };
            return (await trainer.TrainAsync(new TrainingJob(manifest, tiny, entry.Data.Evaluation, null, runId), cancellationToken)).VersionId;
        }
    }

    /// <summary>Trains on the pool and drifted traffic, but with every lost-card example labelled as a fees question (FAQ bot).</summary>
    private sealed class LostCardsToFaqBot(LoopContext loop, StudentModelTrainer trainer) : ITrainingStep
    {
        public async Task<string> TrainAsync(string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken = default)
        {
            var entry = loop.Agents.Get(agentId);
            var drifted = entry.Windows.History(entry.Data.Production).Where(r => r.Segment == Segments.PostDrift)
                .Select(r => new LabeledExample(r.Text, r.TrueLabel!, r.Segment, "test"));
            var poisoned = entry.Data.Pool.Concat(drifted)
                .Select(e => e.Label == "card_lost_or_stolen" ? e with { Label = "fees_question" } : e).ToArray();
            var parent = (await loop.Registry.GetServingAsync(agentId, cancellationToken))!.VersionId;
            return (await trainer.TrainAsync(new TrainingJob(entry.Manifest, poisoned, entry.Data.Evaluation, parent, runId), cancellationToken)).VersionId;
        }
    }

    /// <summary>An alignment gate that lets every candidate through.</summary>
    private sealed class PassingAlignment : IAlignmentStep
    {
        public Task<Core.Alignment.AlignmentAssessment> AssessAsync(string agentId, string candidateVersionId, CancellationToken cancellationToken = default) =>
            Task.FromResult(Core.Alignment.AlignmentAssessment.Judge(0, 0.9, 0, 0.8, 0.25));
    }

    /// <summary>An evaluation agent that passes every candidate, so later gates are what stops a bad one.</summary>
    private sealed class ApprovingEvaluation : IEvaluationStep
    {
        public Task<CandidateEvaluation> EvaluateAsync(string agentId, int attempt, string candidateVersionId, CancellationToken cancellationToken = default) =>
            Task.FromResult(new CandidateEvaluation(candidateVersionId, true, 0.9, 0.9, "passed without looking",
                new Core.Planning.AttemptEvidence(attempt, candidateVersionId, 0.9, 0.75, [], []), new MetricsReport(0, 0, null)));
    }
}
