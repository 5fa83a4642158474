using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Training;
using SelfImprove.Learning.Embeddings;
using SelfImprove.Steps;
using SelfImprove.Storage;
using SelfImprove.Testing;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Benchmarks;

/// <summary>
/// What one training job costs on a CPU worker with cold embeddings (issue 13, "Numbers to measure"): a job of N examples
/// goes through the code path <c>selfimprove train-worker</c> runs (<see cref="TrainingWorker"/> taking it from a training
/// queue, checking its data blob's SHA-256, <see cref="TrainingStep"/> and the trainer, the status blob), with an empty
/// embedding cache, so every text of the job (and of the evaluation set the candidate is measured on) is embedded.
/// <para>
/// The data: the BANKING77 agent of <see cref="Banking77Setup"/> (seed 1): its pool of 770 examples (10 per intent) plus
/// one training batch that brings the job to N examples, taken from the rest of train.csv in order. Beyond train.csv's
/// 10,003 texts, copy k (1 to 99) of each text is made distinct by a deterministic wording variation, a prefix
/// <c>Prefixes[k % 10]</c> and a suffix <c>Suffixes[k / 10]</c> (copy 0 is the text itself), so the cache can never answer
/// a copy from the original. The serving version v1 is trained first on the pool with a different cache folder, so the
/// job warm-starts from it as a run's job does and still finds nothing cached.
/// </para>
/// Reports the job's wall time (take to done, seconds), the embedding time and rate (texts the encoder computed, per
/// second), the rest (training, evaluation, store: wall minus embedding, seconds) and the process's peak working set (MiB,
/// the whole process so far: run one size per invocation for a per-job peak).
/// </summary>
public static class TrainingJobCostBenchmark
{
    private const int Seed = 1;
    private const string RunId = "banking77-cost-1";

    /// <summary>Wording variations for copies beyond train.csv (index 0: none).</summary>
    public static readonly string[] Prefixes = ["", "hi, ", "hello, ", "please help: ", "quick question: ", "sorry to bother you, ", "urgent: ", "hey, ", "good morning, ", "excuse me, "];

    /// <summary>Wording variations for copies beyond train.csv (index 0: none).</summary>
    public static readonly string[] Suffixes = ["", " thanks", " thank you", " please", " asap", " cheers", " regards", " many thanks", " thanks in advance", " any ideas?"];

    /// <param name="sizes">Examples per job (pool included), each at least the pool's size and at most 100 copies of train.csv.</param>
    /// <param name="threads">The worker's <c>--threads</c> (the encoder's CPU threads); null: one per core.</param>
    /// <exception cref="ArgumentException">A size out of range.</exception>
    public static async Task<int> RunAsync(string dataFolder, IReadOnlyList<int> sizes, int? threads, TextWriter output)
    {
        using var folder = new TempDirectory();
        var setup = Banking77Setup.Prepare(dataFolder, folder.Combine("setup"), Seed);
        var manifest = ManifestLoader.Load(setup.ManifestPath(ActiveLearningBenchmark.Strategies.Values.First()));
        var rest = setup.Train.Except(setup.Initial).ToArray();
        foreach (var size in sizes)
            if (size < setup.Initial.Count || size > setup.Initial.Count + rest.Length * Prefixes.Length * Suffixes.Length)
                throw new ArgumentException($"--examples {size}: must be between the pool's {setup.Initial.Count} and {setup.Initial.Count + rest.Length * 100} examples.");

        output.WriteLine($"# training job cost on {Environment.ProcessorCount} cores, CPU, encoder threads {threads?.ToString() ?? $"{Environment.ProcessorCount} (one per core)"}, cold embeddings");
        var rows = new List<string>();
        foreach (var size in sizes)
        {
            using var job = new TempDirectory(folder.Combine($"job-{size}"));
            rows.Add(await MeasureAsync(manifest, setup, rest, size, threads, job, output));
        }
        output.WriteLine();
        output.WriteLine("| examples in the job | texts embedded | job wall s | embedding s | embedding sentences/s | training and rest s | peak working set MiB | candidate accuracy |");
        output.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var row in rows) output.WriteLine(row);
        return 0;
    }

    private static async Task<string> MeasureAsync(
        LoadedManifest manifest, Banking77Setup setup, IReadOnlyList<LabeledExample> rest, int size, int? threads, TempDirectory folder, TextWriter output)
    {
        var agentId = manifest.Manifest.AgentId;
        var store = new LocalArtifactStore(folder.Combine("store"));

        // v1 on the pool, with a cache folder the job never sees.
        await using (var first = Services(manifest, store, folder.Combine("v1-cache"), threads, null))
            await first.GetRequiredService<InitialVersions>().TrainAsync(agentId, "bench:training-job-cost", "the job's parent");

        var batch = Batch(rest, size - setup.Initial.Count);
        var batchName = StoreLayout.Batch(agentId, RunId, 1);
        var bytes = StoreJson.Serialize(new StoredBatch(new DataBatch(batchName, batch.Count, 0, 0, 0, 0, []), [], batch));
        await store.WriteAsync(batchName, bytes);
        var spec = new TrainingJobSpec
        {
            JobId = TrainingJobSpec.JobIdOf(RunId, 1), AgentId = agentId, RunId = RunId, Attempt = 1, ParentVersionId = "v1",
            Data = [new TrainingDataBlob { Name = batchName, Sha256 = TrainingDataBlob.HashOf(bytes) }],
            HyperParameters = manifest.Manifest.Training.HyperParameters, Compute = manifest.Manifest.Training.Compute,
            ResultBlob = StoreLayout.Candidate(RunId, 1), StatusBlob = StoreLayout.TrainingJobStatus(RunId, 1), HeartbeatBlob = StoreLayout.TrainingJobHeartbeat(RunId, 1),
        };

        var timed = new TimedEncoder();
        await using var services = Services(manifest, store, folder.Combine("job-cache"), threads, timed);
        var queue = (InMemoryTrainingQueue)services.GetRequiredService<ITrainingQueue>();
        await queue.SendAsync(spec);
        var worker = services.GetRequiredService<TrainingWorker>();
        var wall = Stopwatch.StartNew();
        var done = await worker.RunOnceAsync(CancellationToken.None) ?? throw new InvalidOperationException("the queue lost the job");
        wall.Stop();
        if (done.State != TrainingJobState.Succeeded) throw new InvalidOperationException($"job {spec.JobId} ended {done.State}: {done.Reason}");
        var version = await services.GetRequiredService<IModelRegistry>().GetAsync(agentId, done.VersionId!)
            ?? throw new InvalidOperationException($"{done.VersionId} is not registered");
        var accuracy = version.Evaluation.Overall.Accuracy;
        var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
        var embedding = timed.Elapsed.TotalSeconds;
        output.WriteLine($"{size}: job {done.State} {done.VersionId} in {wall.Elapsed.TotalSeconds:0.0} s; {timed.Texts} texts embedded in {embedding:0.0} s; peak {peak:0} MiB");
        return $"| {size:N0} | {timed.Texts:N0} | {wall.Elapsed.TotalSeconds:0.0} | {embedding:0.0} | {timed.Texts / embedding:0} | {wall.Elapsed.TotalSeconds - embedding:0.0} | {peak:0} | {accuracy:0.000} |";
    }

    /// <summary>
    /// <paramref name="count"/> distinct examples: <paramref name="rest"/> in order, then its copies 1, 2, … with
    /// <see cref="Prefixes"/>[k % 10] and <see cref="Suffixes"/>[k / 10].
    /// </summary>
    public static IReadOnlyList<LabeledExample> Batch(IReadOnlyList<LabeledExample> rest, int count) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var (copy, example) = (i / rest.Count, rest[i % rest.Count]);
            return copy == 0 ? example : example with { Text = Prefixes[copy % 10] + example.Text + Suffixes[copy / 10] };
        }).ToArray();

    /// <summary>What <c>train-worker</c> composes (src/SelfImprove.Cli/Commands/TrainWorkerCommand.cs), on a local store and an in-memory queue.</summary>
    private static ServiceProvider Services(LoadedManifest manifest, IArtifactStore store, string cache, int? threads, TimedEncoder? timed)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddModelServices(o =>
            {
                o.Agents = [manifest];
                o.StoreDirectory = Path.GetDirectoryName(cache)!;
                o.EmbeddingCacheDirectory = cache;
                o.ArtifactStore = store;
                o.EncoderThreads = threads;
            })
            .AddSingleton<TrainingBatches>()
            .AddServingPath()
            .AddSingleton<ITrainingStep, TrainingStep>()
            .AddSingleton<ITrainingQueue>(new InMemoryTrainingQueue())
            .AddSingleton(new TrainingWorkerOptions { WorkerId = "bench-worker" })
            .AddSingleton<TrainingWorker>();
        if (timed is not null)
            // The same training encoder as AddModelServices, with the timer between the cache and MiniLM: it sees only the texts computed.
            services.AddSingleton<ITextEncoder>(sp =>
            {
                var miniLm = sp.GetRequiredService<MiniLmTextEncoder>();
                var options = sp.GetRequiredService<IOptions<LoopOptions>>().Value;
                timed.Inner = miniLm;
                return new CachingTextEncoder(timed, new EmbeddingCache(miniLm.ModelId, miniLm.Dimension, options.CacheDirectory, options.TrainingEmbeddingCacheEntries));
            });
        return services.BuildServiceProvider();
    }

    /// <summary>Counts the texts the encoder computes and the time it takes.</summary>
    private sealed class TimedEncoder : ITextEncoder
    {
        private long ticks;
        private long texts;

        public ITextEncoder Inner { get; set; } = null!;
        public string ModelId => Inner.ModelId;
        public int Dimension => Inner.Dimension;
        public long Texts => Interlocked.Read(ref texts);
        public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref ticks));

        public float[][] Encode(IReadOnlyList<string> batch, CancellationToken cancellationToken = default)
        {
            var started = Stopwatch.GetTimestamp();
            var vectors = Inner.Encode(batch, cancellationToken);
            Interlocked.Add(ref ticks, Stopwatch.GetElapsedTime(started).Ticks);
            Interlocked.Add(ref texts, batch.Count);
            return vectors;
        }
    }
}
