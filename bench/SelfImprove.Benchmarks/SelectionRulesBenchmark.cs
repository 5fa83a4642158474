using System.Diagnostics;
using SelfImprove.Agents.Offline;
using SelfImprove.Core;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Planning.Selection;
using SelfImprove.Learning.Embeddings;
using SelfImprove.Learning.Scoring;
using SelfImprove.Learning.Training;

namespace SelfImprove.Benchmarks;

/// <summary>
/// Labels versus accuracy on BANKING77 for every selection rule, with the loop's planning and training but without its
/// orchestrator, replay and gates, so that 5 seeds × every rule fit in an afternoon on 2 cores. Per round, as the loop's
/// planning step does: the candidates are the newest <see cref="PlanningStep.MaxCandidates"/> distinct texts of the
/// replayed history (the stream less its last <c>trialShare</c> = 5 %) that are neither labelled yet nor among the
/// feedback (every 20th request); the newest model scores them (probabilities, margin) and the text encoder embeds them;
/// the offline planner's own <see cref="OfflinePlanner.SelectRequests"/> picks <see cref="Banking77Setup.LabelsPerRound"/>;
/// the oracle labels them; the head is retrained warm-started with the benchmark manifest's hyper-parameters
/// (L2 = 1e-3, 200 L-BFGS iterations). Every round's model is measured, on test.csv (<c>--on test</c>) or on the
/// validation slice carved from train.csv (<c>--on validation</c>, the only data settings are chosen on).
/// A strategy is a rule's wire name, or <c>margin-kmeans@F</c> for that rule with pool factor F.
/// </summary>
public sealed class SelectionRulesBenchmark(Banking77Setup setup, string cacheFolder, ResultLog log, TextWriter output)
{
    private const int FeedbackEvery = 20;
    private const double TrialShare = 0.05;
    private static readonly HyperParameters Training = new() { L2 = 1e-3, L1 = 0, MaxIterations = 200, WarmStart = true };

    /// <summary>Runs rounds until <paramref name="maxLabels"/> labels are used (or <paramref name="maxRounds"/>); skips a (seed, strategy) the log has.</summary>
    public void Run(int seed, string strategy, int maxLabels, int maxRounds, bool onValidation)
    {
        if (log.Read().Any(p => p.Seed == seed && p.Strategy == strategy))
        {
            output.WriteLine($"seed {seed} {strategy}: in the log already");
            return;
        }
        var select = Selector(strategy);
        using var miniLm = new MiniLmTextEncoder();
        var encoder = new CachingTextEncoder(miniLm, new EmbeddingCache(miniLm.ModelId, miniLm.Dimension, Path.Combine(cacheFolder, "embeddings")));
        var trainer = new LbfgsHeadTrainer();
        var classIndex = ModelEvaluator.ClassIndex(setup.Intents);
        var target = onValidation ? setup.Validation : setup.Test;

        var history = setup.Production.Take((int)Math.Floor(setup.Production.Count * (1 - TrialShare)))
            .Select((e, i) => (Id: $"r{i:D6}", Example: e, Feedback: i % FeedbackEvery == 0))
            .Where(r => !r.Feedback).ToArray();
        var training = setup.Initial.ToList();
        var labelled = new HashSet<string>(StringComparer.Ordinal);
        byte[]? state = null;
        OnnxIntentClassifier? newest = null;
        try
        {
            for (var round = 0; round <= maxRounds; round++)
            {
                var clock = Stopwatch.StartNew();
                var (selectSeconds, trainSeconds) = (0.0, 0.0);
                if (round > 0)
                {
                    var candidates = history.Where(r => !labelled.Contains(r.Id)).Reverse().DistinctBy(r => r.Example.Text)
                        .Take(SelfImprove.Steps.PlanningStep.MaxCandidates).Reverse().ToArray();
                    var texts = candidates.Select(c => c.Example.Text).ToArray();
                    var predictions = newest!.Predict(texts);
                    var embeddings = encoder.Encode(texts);
                    var unlabelled = candidates.Select((c, i) => new UnlabelledRequest(c.Id, c.Example.Text, predictions[i].Intent, predictions[i].RunnerUp, predictions[i].Margin)
                    {
                        Probabilities = predictions[i].Probabilities,
                        Embedding = embeddings[i],
                    }).ToArray();
                    var selecting = Stopwatch.StartNew();
                    var picked = select(unlabelled, Banking77Setup.LabelsPerRound, (int)StableHash.Of($"{seed}/{strategy}/{round}") & 0x7FFFFFFF);
                    selectSeconds = selecting.Elapsed.TotalSeconds;
                    var byId = candidates.ToDictionary(c => c.Id, StringComparer.Ordinal);
                    foreach (var id in picked)
                    {
                        labelled.Add(id);
                        training.Add(byId[id].Example);
                    }
                }
                var trainingClock = Stopwatch.StartNew();
                var artifacts = trainer.Train(setup.Intents, encoder.Encode(training.Select(e => e.Text).ToArray()),
                    training.Select(e => classIndex[e.Label]).ToArray(), Training, state);
                state = artifacts.TrainerState;
                trainSeconds = trainingClock.Elapsed.TotalSeconds;
                newest?.Dispose();
                newest = new OnnxIntentClassifier($"round-{round}", setup.Intents, artifacts.Onnx, encoder);
                var report = ModelEvaluator.Evaluate(newest, target).Overall;
                var point = new CurvePoint(seed, strategy, round, training.Count, report.Accuracy, report.MacroF1, onValidation ? "Validation" : "Test", Math.Round(clock.Elapsed.TotalSeconds, 2));
                log.Append(point);
                output.WriteLine($"seed {seed} {strategy,-18} round {round,3}  labels {training.Count,5}  {(onValidation ? "validation" : "test")} accuracy {report.Accuracy:0.0000}  {clock.Elapsed.TotalSeconds:0.0} s (select {selectSeconds:0.0} s, train {trainSeconds:0.0} s)");
                if (training.Count + Banking77Setup.LabelsPerRound > maxLabels) break;
            }
        }
        finally
        {
            newest?.Dispose();
        }
    }

    /// <summary>The rule a strategy names: a wire name, or <c>margin-kmeans@F</c> with pool factor F.</summary>
    public static Func<IReadOnlyList<UnlabelledRequest>, int, int, IReadOnlyList<string>> Selector(string strategy)
    {
        var at = strategy.IndexOf('@');
        if (at < 0)
        {
            var rule = WireNames.Parse<SelectionRule>(strategy);
            return (unlabelled, budget, seed) => OfflinePlanner.SelectRequests(unlabelled, rule, budget, seed);
        }
        if (strategy[..at] != SelectionRule.MarginKMeans.ToWire() || !int.TryParse(strategy[(at + 1)..], out var factor) || factor < 1)
            throw new ArgumentException($"'{strategy}': only margin-kmeans@F (F a whole number ≥ 1) takes a setting.");
        return (unlabelled, budget, seed) =>
        {
            var byMargin = unlabelled.OrderBy(r => r.Margin).ThenBy(r => r.RequestId, StringComparer.Ordinal).ToArray();
            return UncertainClusterSelection.Select(byMargin.Select(r => r.Margin).ToArray(), byMargin.Select(r => r.Embedding!).ToArray(), budget, factor, seed)
                .Select(i => byMargin[i].RequestId).ToArray();
        };
    }
}
