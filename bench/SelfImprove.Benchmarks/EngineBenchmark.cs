using System.Diagnostics;
using System.Text.Json.Nodes;
using DurableTask.Core;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.Steps;
using SelfImprove.Learning.Embeddings;
using SelfImprove.Learning.Training;
using SelfImprove.Hosting;
using SelfImprove.Server;
using SelfImprove.Steps;
using SelfImprove.Testing;

namespace SelfImprove.Benchmarks;

/// <summary>
/// What the durable engine and the student model cost on the embedded default (in-memory backend):
/// the demo run split by phase, the same steps as a plain sequence of calls versus the orchestrator,
/// engine throughput, and the model's training cost.
/// </summary>
public static class EngineBenchmark
{
    public static async Task<int> RunAsync(string cacheFolder, int repeat, int agents, TextWriter output)
    {
        var manifestPath = Path.GetFullPath(Path.Combine("workflows", "support-router.agent.json"));
        if (!File.Exists(manifestPath))
        {
            Console.Error.WriteLine($"Run from the repository root: {manifestPath} not found.");
            return 2;
        }
        var work = Path.Combine(cacheFolder, "engine");
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        var manifest = WithoutApproval(manifestPath, work);

        output.WriteLine("## Training cost");
        await TrainingCostAsync(manifest, work, output);

        // Warm the embedding cache once, so repetitions compare the engine, not the encoder (its cold cost is above).
        await PlainRunAsync(manifest, Path.Combine(work, "warm-up"), Path.Combine(work, "embeddings"));
        await using var azurite = await Testing.Azurite.StartAsync();
        foreach (var backend in new[] { "in-memory", "azure-storage (Azurite)" })
        {
            Func<string, Task<IOrchestrationService?>> backendFor = backend == "in-memory"
                ? _ => Task.FromResult<IOrchestrationService?>(null)
                : async hub => await DurableBackends.AzureStorageAsync(azurite.ConnectionString, hub, "bench", NullLoggerFactory.Instance);
            output.WriteLine();
            output.WriteLine($"## One improvement run of the demo agent on the {backend} backend, orchestrated vs plain calls ({repeat} repetitions, embeddings cached)");
            var rows = new List<(double Orchestrated, double Plain, IReadOnlyDictionary<string, double> Phases)>();
            for (var i = 0; i < repeat; i++)
            {
                var tag = $"{(backend == "in-memory" ? "m" : "a")}{i}";
                var plain = await PlainRunAsync(manifest, Path.Combine(work, $"plain-{tag}"), Path.Combine(work, "embeddings"));
                var (orchestrated, phases) = await OrchestratedRunAsync(manifest, Path.Combine(work, $"orchestrated-{tag}"), Path.Combine(work, "embeddings"), await backendFor($"bench{tag}"));
                rows.Add((orchestrated, plain, phases));
                output.WriteLine($"repetition {i + 1}: orchestrated {orchestrated:0.00} s, plain {plain:0.00} s; phases: " +
                                 string.Join(", ", phases.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value:0.00} s")));
            }
            var o = Median(rows.Select(r => r.Orchestrated));
            var p = Median(rows.Select(r => r.Plain));
            output.WriteLine($"median: orchestrated {o:0.00} s, plain {p:0.00} s, ratio {o / p:0.000}, overhead {(o - p) / o * 100:0.0} % of the run's wall time");

            output.WriteLine();
            output.WriteLine($"## Engine throughput on the {backend} backend (steps that do no work)");
            await ThroughputAsync(manifest, Path.Combine(work, $"throughput-{(backend == "in-memory" ? "m" : "a")}"), await backendFor("benchtp"),
                agents, output);
        }
        return 0;
    }

    /// <summary>The demo manifest in a scratch folder, with approval off (so nobody's reaction time is measured).</summary>
    private static LoadedManifest WithoutApproval(string manifestPath, string work)
    {
        Directory.CreateDirectory(Path.Combine(work, "constitutions"));
        var folder = Path.GetDirectoryName(manifestPath)!;
        var json = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        json.Remove("$schema");
        json["approval"]!["required"] = false;
        File.Copy(Path.Combine(folder, "constitutions", "support-router.json"), Path.Combine(work, "constitutions", "support-router.json"), overwrite: true);
        var path = Path.Combine(work, "support-router.agent.json");
        File.WriteAllText(path, json.ToJsonString());
        return ManifestLoader.Load(path);
    }

    private static async Task TrainingCostAsync(LoadedManifest loaded, string work, TextWriter output)
    {
        var data = new AgentCatalog([loaded]).Get(loaded.Manifest.AgentId).Data;
        var texts = data.Pool.Select(e => e.Text).Concat(data.Evaluation.Select(e => e.Text)).ToArray();
        using var miniLm = new MiniLmTextEncoder();
        miniLm.Encode(["warm up"]);
        var clock = Stopwatch.StartNew();
        var features = miniLm.Encode(texts);
        var embedSeconds = clock.Elapsed.TotalSeconds;
        var cached = new CachingTextEncoder(miniLm, new EmbeddingCache(miniLm.ModelId, miniLm.Dimension, Path.Combine(work, "cost-cache")));
        cached.Encode(texts);
        clock.Restart();
        cached.Encode(texts);
        var cachedSeconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"embedding (MiniLM, batches of 64, 2 cores): {texts.Length / embedSeconds:0} sentences/s ({texts.Length} sentences in {embedSeconds:0.0} s)");
        output.WriteLine($"embedding again through the cache: {texts.Length / cachedSeconds:0} sentences/s ({cachedSeconds * 1000:0} ms): {embedSeconds / cachedSeconds:0}x cheaper");

        var labels = loaded.Manifest.LabelNames;
        var index = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
        var poolFeatures = features.Take(data.Pool.Count).ToArray();
        var classes = data.Pool.Select(e => index[e.Label]).ToArray();
        var trainer = new LbfgsHeadTrainer();
        clock.Restart();
        var cold = trainer.Train(labels, poolFeatures, classes, loaded.Manifest.Training.HyperParameters, null);
        var coldSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        trainer.Train(labels, poolFeatures, classes, loaded.Manifest.Training.HyperParameters, cold.TrainerState);
        var warmSeconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"head (L-BFGS, {labels.Count} classes, {poolFeatures.Length} examples, incl. ONNX export): cold {poolFeatures.Length / coldSeconds:0} examples/s ({coldSeconds:0.00} s), warm start {poolFeatures.Length / warmSeconds:0} examples/s ({warmSeconds:0.00} s)");
        await Task.CompletedTask;
    }

    /// <summary>The same steps the orchestrator calls, in the same order, as plain method calls.</summary>
    private static async Task<double> PlainRunAsync(LoadedManifest loaded, string store, string embeddings)
    {
        await using var services = new ServiceCollection()
            .AddSelfImproveLoop(loop =>
            {
                loop.Agents = [loaded];
                loop.StoreDirectory = store;
                loop.EmbeddingCacheDirectory = embeddings;
            })
            .AddSingleton<TrafficReplayer>()
            .BuildServiceProvider();
        var agentId = loaded.Manifest.AgentId;
        await BootstrapAsync(services, loaded);
        var s = services;
        var clock = Stopwatch.StartNew();
        var ledger = s.GetRequiredService<IRunLedger>();
        var monitoring = s.GetRequiredService<IMonitoringStep>();
        var snapshot = await monitoring.SnapshotAsync(agentId);
        var state = await ledger.StateAsync(agentId);
        var settings = ledger.Settings(agentId);
        var decision = TriggerPolicy.Decide(settings.Trigger, settings.Goal, snapshot, state, DateTimeOffset.UtcNow, manual: false);
        if (!decision.ShouldStart) throw new InvalidOperationException($"the demo agent should need a run: {decision.Reason}");
        var run = await ledger.OpenAsync(new RunStartRequest(agentId, decision.Reason, false));
        ledger.Settings(agentId);
        await monitoring.SnapshotAsync(agentId);
        var plan = await s.GetRequiredService<IPlanningStep>().PlanAsync(run.RunId, agentId, 1, []);
        var generation = s.GetRequiredService<IDataGenerationStep>();
        var work = await generation.PrepareAsync(run.RunId, agentId, plan);
        for (var teacherBatch = 0; teacherBatch < work.Batches; teacherBatch++)
            await generation.TeachBatchAsync(run.RunId, agentId, plan.Attempt, teacherBatch);
        await Replayer(s).AnswerQueueAsync(agentId, s.GetRequiredService<LabellingQueue>());
        var batch = await generation.AssembleAsync(run.RunId, agentId, plan.Attempt);
        var candidate = await s.GetRequiredService<ITrainingStep>().TrainAsync(run.RunId, agentId, 1, [batch.BlobName], plan.HyperParameters);
        await s.GetRequiredService<IEvaluationStep>().EvaluateAsync(agentId, 1, candidate);
        await s.GetRequiredService<IAlignmentStep>().AssessAsync(agentId, candidate);
        var deployment = s.GetRequiredService<IDeploymentStep>();
        await deployment.StartTrialAsync(run.RunId, agentId, candidate);
        await Replayer(s).ReplayTrialAsync(agentId, run.RunId);
        var trial = (await deployment.CheckTrialAsync(run.RunId, agentId, candidate, final: true)).Outcome!;
        var serving = trial.Promoted ? await deployment.PromoteAsync(run.RunId, agentId, candidate) : await deployment.RollbackAsync(run.RunId, agentId, candidate);
        await ledger.CloseAsync(new ImprovementReport
        {
            RunId = run.RunId, AgentId = agentId, Status = RunStatus.Promoted, Reason = "plain", Goal = new GoalReport("accuracy", 0.85),
            Metrics = new MetricsReport(0, 0, null), ServingVersion = serving,
        });
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task<(double Seconds, IReadOnlyDictionary<string, double> Phases)> OrchestratedRunAsync(
        LoadedManifest loaded, string store, string embeddings, IOrchestrationService? backend)
    {
        var clock = new StepClock();
        await using var host = await LoopHost.StartAsync(
            loop =>
            {
                loop.Agents = [loaded];
                loop.StoreDirectory = store;
                loop.EmbeddingCacheDirectory = embeddings;
            },
            services =>
            {
                services.AddSingleton<ITextEncoder>(sp => new CachingTextEncoder(
                    new TimedEncoder(clock, sp.GetRequiredService<MiniLmTextEncoder>()),
                    new EmbeddingCache("all-MiniLM-L6-v2", 384, embeddings)));
                services.DecorateSteps((step, real, _) => TimedStep.Wrap(step, real, clock));
            },
            backend: backend);
        await BootstrapAsync(host.Services, loaded);
        clock.Clear();
        var wall = Stopwatch.StartNew();
        var check = await host.Runs.CheckAsync(loaded.Manifest.AgentId);
        // The agent's annotators and trial traffic: the recorded stream, played by the replayer while the run goes.
        using var stop = new CancellationTokenSource();
        var users = Replayer(host.Services).AccompanyAsync(loaded.Manifest.AgentId, check.RunId!, host.Runs, TimeSpan.FromMilliseconds(50), stop.Token);
        var done = await host.Client.WaitForInstanceCompletionAsync(check.RunId!, getInputsAndOutputs: true);
        await stop.CancelAsync();
        await users;
        var seconds = wall.Elapsed.TotalSeconds;
        var report = done.ReadOutputAs<ImprovementReport>()!;
        if (report.Status is not RunStatus.Promoted) throw new InvalidOperationException($"the benchmark run ended {report.Status.ToWire()}: {report.Reason}");

        var phases = new Dictionary<string, double>(clock.Seconds);
        var inSteps = phases.Where(p => p.Key != "embedding").Sum(p => p.Value);
        phases["orchestration overhead"] = seconds - inSteps;
        return (seconds, phases);
    }

    /// <summary>Trains the first version, then the recorded past reaches it as its callers' traffic and feedback.</summary>
    private static async Task BootstrapAsync(IServiceProvider services, LoadedManifest loaded)
    {
        await services.GetRequiredService<InitialVersions>().TrainAsync(loaded.Manifest.AgentId, "bench", "bench bootstrap");
        await Replayer(services).ReplayHistoryAsync(loaded.Manifest.AgentId);
    }

    private static TrafficReplayer Replayer(IServiceProvider services) => services.GetRequiredService<TrafficReplayer>();

    private static async Task ThroughputAsync(LoadedManifest loaded, string store, IOrchestrationService? backend, int agents, TextWriter output)
    {
        var many = Enumerable.Range(1, agents)
            .Select(i => loaded with { Manifest = loaded.Manifest with { AgentId = $"agent-{i:D4}" } }).ToArray();
        var steps = new ScriptedSteps();
        await using var host = await LoopHost.StartAsync(
            loop =>
            {
                loop.Agents = many;
                loop.StoreDirectory = store;
            },
            services => services.AddStepsFrom(steps),
            backend: backend);

        // One tick: a monitoring check of every agent (3 activities and the trigger policy each); all healthy.
        steps.FeedbackValue = 0.95;
        var clock = Stopwatch.StartNew();
        var ids = await Task.WhenAll(many.Select(m => host.Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(Workflows.Monitoring.MonitorAgentOrchestrator), new Workflows.Monitoring.MonitorInput(m.Manifest.AgentId))));
        var (done, _) = await CompletedWithinAsync(host, ids, Limit);
        var seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"monitoring tick of {agents} agents: {done} checks done in {seconds:0.0} s, {done / seconds:0.0} checks/s " +
                         $"(unit: one MonitorAgent orchestration, 3 activities, snapshot not scored{(done < agents ? $"; stopped after {Limit.TotalSeconds:0} s" : "")})");

        // Concurrent improvement runs: the first agents drift, all their runs at once (no approval).
        steps.FeedbackValue = 0.60;
        var runs = many.Take(Math.Min(20, agents)).ToArray();
        clock.Restart();
        var checks = await Task.WhenAll(runs.Select(m => host.Runs.CheckAsync(m.Manifest.AgentId)));
        var (finished, _) = await CompletedWithinAsync(host, checks.Select(c => c.RunId!).ToArray(), Limit);
        var runSeconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"{runs.Length} concurrent improvement runs: {finished} finished in {runSeconds:0.0} s, {finished / runSeconds:0.00} runs/s " +
                         $"(unit: one MonitorAgent + one ImprovementRun orchestration, 16 activities, steps that return at once{(finished < runs.Length ? $"; stopped after {Limit.TotalSeconds:0} s" : "")})");
    }

    /// <summary>A bound on each throughput measurement, so a slow backend reports a rate instead of running for hours.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    private static async Task<(int Done, double Seconds)> CompletedWithinAsync(LoopHost host, IReadOnlyList<string> ids, TimeSpan limit)
    {
        // One wait at a time: each wait holds a gRPC stream to the sidecar, and a thousand at once would starve the
        // worker's own calls (HTTP/2 allows 100 concurrent streams per connection).
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(limit);
        var done = 0;
        try
        {
            foreach (var id in ids)
            {
                await host.Client.WaitForInstanceCompletionAsync(id, stop.Token);
                done++;
            }
        }
        catch (OperationCanceledException)
        {
        }
        return (done, clock.Elapsed.TotalSeconds);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
