using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Learning.Embeddings;
using SelfImprove.Learning.Scoring;
using SelfImprove.Learning.Training;
using SelfImprove.Hosting;
using SelfImprove.Server;
using SelfImprove.Steps;

namespace SelfImprove.Benchmarks;

/// <summary>
/// Labels versus accuracy on BANKING77: each round is one real improvement run (monitor, plan, label, train, evaluate,
/// gate, trial, promote) of the same orchestrator, planner and trainer, through the live path: before each round the
/// traffic replayer sends a fresh slice of the recorded stream as callers' traffic (predict → log; the planner picks from
/// what was logged since the serving version went live), and while the run goes it is the simulated annotator that
/// answers the labelling queue from the recorded labels and the trial's traffic. Strategies differ only in the planner's
/// selection rule. Reference points are trained directly.
/// </summary>
public sealed class ActiveLearningBenchmark(Banking77Setup setup, string cacheFolder, ResultLog log, TextWriter output)
{
    public static readonly IReadOnlyDictionary<string, string> Strategies = new Dictionary<string, string>
    {
        ["planner"] = SelectionRule.DiverseMargin.ToWire(),
        ["margin"] = SelectionRule.Margin.ToWire(),
        ["random"] = SelectionRule.Random.ToWire(),
        ["badge"] = SelectionRule.Badge.ToWire(),
        ["margin-kmeans"] = SelectionRule.MarginKMeans.ToWire(),
        ["typiclust"] = SelectionRule.Typicality.ToWire(),
    };

    private string EmbeddingCache => Path.Combine(cacheFolder, "embeddings");

    /// <summary>
    /// Requests sent before each round: as many as the planner looks at (<see cref="PlanningStep.MaxCandidates"/>), so that
    /// each round chooses from as large a pool as the loop did when it read the whole replayed history.
    /// </summary>
    public const int SliceSize = PlanningStep.MaxCandidates;

    /// <summary>Runs rounds until <paramref name="maxLabels"/> labels are used; resumes where the log stops.</summary>
    public async Task RunStrategyAsync(int seed, string strategy, int maxLabels)
    {
        var done = log.Read().Where(p => p.Seed == seed && p.Strategy == strategy).ToArray();
        if (done.Length > 0 && done.Max(p => p.Labels) + Banking77Setup.LabelsPerRound > maxLabels)
        {
            output.WriteLine($"seed {seed} {strategy}: already at {done.Max(p => p.Labels)} labels");
            return;
        }
        var loaded = ManifestLoader.Load(setup.ManifestPath(Strategies[strategy]));
        var store = Path.Combine(setup.Folder, strategy, "store");
        await using var host = await LoopHost.StartAsync(loop =>
        {
            loop.Agents = [loaded];
            loop.StoreDirectory = store;
            loop.EmbeddingCacheDirectory = EmbeddingCache;
        });
        var registry = host.Services.GetRequiredService<IModelRegistry>();
        var agentId = loaded.Manifest.AgentId;
        var entry = host.Services.GetRequiredService<AgentCatalog>().Get(agentId);

        if (await registry.GetServingAsync(agentId) is null)
        {
            var clock = Stopwatch.StartNew();
            var v1 = await host.Services.GetRequiredService<InitialVersions>().TrainAsync(agentId, "bench:10-shot", "10-shot start");
            Record(seed, strategy, 0, entry.Data.Pool.Count, v1.Evaluation.Overall, "Start", clock.Elapsed.TotalSeconds);
        }

        var context = host.Services.GetRequiredService<TrainingBatches>();
        var replayer = host.Services.GetRequiredService<TrafficReplayer>();
        for (var round = done.Length == 0 ? 1 : done.Max(p => p.Round) + 1; ; round++)
        {
            var labels = entry.Data.Pool.Count + (await context.AllAsync(agentId, CancellationToken.None)).Sum(b => b.Summary.Labelled);
            if (labels + Banking77Setup.LabelsPerRound > maxLabels) break;
            var clock = Stopwatch.StartNew();
            await replayer.ReplaySliceAsync(agentId, (round - 1) * SliceSize, SliceSize);
            var check = await host.Runs.CheckAsync(agentId, manual: true, reason: $"round {round}");
            var runId = check.RunId ?? throw new InvalidOperationException(check.Decision.Reason);
            // The agent's annotators and trial traffic, while the run goes.
            using var stop = new CancellationTokenSource();
            var users = replayer.AccompanyAsync(agentId, runId, host.Runs, TimeSpan.FromMilliseconds(50), stop.Token);
            var report = await host.Runs.WatchAsync(runId);
            await stop.CancelAsync();
            await users;
            var candidate = await registry.GetAsync(agentId, report.CandidateVersion!);
            labels = entry.Data.Pool.Count + (await context.AllAsync(agentId, CancellationToken.None)).Sum(b => b.Summary.Labelled);
            Record(seed, strategy, round, labels, candidate!.Evaluation.Overall, report.Status.ToWire(), clock.Elapsed.TotalSeconds);
            if (report.Status is not RunStatus.Promoted) output.WriteLine($"  {report.Status.ToWire()}: {report.Reason}");
        }
    }

    /// <summary>The 10-shot, 30-shot and all-labels (ceiling) points, trained directly on the same encoder and head.</summary>
    public void RunReferencePoints(int seed)
    {
        var existing = log.Read().Where(p => p.Seed == seed && p.Strategy.StartsWith("reference:", StringComparison.Ordinal)).Select(p => p.Strategy).ToHashSet();
        using var miniLm = new MiniLmTextEncoder();
        var encoder = new CachingTextEncoder(miniLm, new EmbeddingCache(miniLm.ModelId, miniLm.Dimension, EmbeddingCache));
        var trainer = new LbfgsHeadTrainer();
        var random = new Random(seed);
        var pool = setup.Pool.GroupBy(e => e.Label).ToDictionary(g => g.Key, g => g.OrderBy(_ => random.Next()).ToArray());
        var points = new (string Name, IReadOnlyList<LabeledExample> Data)[]
        {
            ("reference:10-shot", pool.Values.SelectMany(v => v.Take(10)).ToArray()),
            ("reference:30-shot", pool.Values.SelectMany(v => v.Take(30)).ToArray()),
            ("reference:ceiling", setup.Pool),
        };
        var classIndex = ModelEvaluator.ClassIndex(setup.Intents);
        foreach (var (name, data) in points.Where(p => !existing.Contains(p.Name)))
        {
            var clock = Stopwatch.StartNew();
            var features = encoder.Encode(data.Select(e => e.Text).ToArray());
            var artifacts = trainer.Train(setup.Intents, features, data.Select(e => classIndex[e.Label]).ToArray(), new HyperParameters(), null);
            using var model = new OnnxIntentClassifier(name, setup.Intents, artifacts.Onnx, encoder);
            var report = ModelEvaluator.Evaluate(model, setup.Test).Overall;
            Record(seed, name, 0, data.Count, report, "Reference", clock.Elapsed.TotalSeconds);
        }
    }

    private void Record(int seed, string strategy, int round, int labels, ClassificationReport report, string status, double seconds)
    {
        var point = new CurvePoint(seed, strategy, round, labels, report.Accuracy, report.MacroF1, status, Math.Round(seconds, 2));
        log.Append(point);
        output.WriteLine($"seed {seed} {strategy,-18} round {round,3}  labels {labels,5}  accuracy {report.Accuracy:0.0000}  macro-F1 {report.MacroF1:0.0000}  {status} {seconds:0.0} s");
    }
}
