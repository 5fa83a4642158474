using SelfImprove.Core.Manifests;
using SelfImprove.Data.Files;
using SelfImprove.Learning.Embeddings;

namespace SelfImprove.Benchmarks;

/// <summary>
/// Cold MiniLM embedding throughput on BANKING77 sentences (no cache), on the provider <see cref="ExecutionProviders"/> picks:
/// the CPU here; <c>--provider cuda</c> needs the GPU build (src/SelfImprove.Cli.Gpu's <c>embedding-speed</c>, run by bench/gpu-check.sh)
/// and stops with its clear error in this CPU build.
/// </summary>
internal static class EmbeddingSpeedBenchmark
{
    public static int Run(string data, int sentences, bool gpu, int device, int? batch, TextWriter output)
    {
        var rows = DataFileReader.Read(Path.GetFullPath(Path.Combine(data, "train.csv")), new DataFileSpec { Path = "train.csv", LabelColumn = null }, labelRequired: false);
        var texts = Enumerable.Range(0, sentences).Select(i => rows[i % rows.Count].Text).ToArray();
        var choice = ExecutionProviders.Create(new ExecutionProviderRequest(gpu, device));
        using var options = choice.Options;
        output.WriteLine(choice.Describe());
        var result = EmbeddingThroughput.Measure(choice, texts, batch);
        output.WriteLine($"{result.Sentences} BANKING77 sentences in {result.Seconds:F1} s (batch {result.BatchSize}; warm-up batch {result.WarmupSeconds:F1} s, not counted): " +
                         $"{result.SentencesPerSecond:F0} sentences/s on {Environment.ProcessorCount} cores");
        return 0;
    }
}
