using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SelfImprove.Core.Ports;

namespace SelfImprove.Steps;

/// <summary>
/// The encoder the serving path uses: the shared MiniLM behind a bounded in-memory cache of its own
/// (<see cref="ServingOptions.EmbeddingCacheEntries"/>), apart from the persistent training cache.
/// </summary>
public sealed class ServingEncoder(ITextEncoder inner) : ITextEncoder
{
    public string ModelId => inner.ModelId;
    public int Dimension => inner.Dimension;

    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) => inner.Encode(texts, cancellationToken);
}

/// <summary>
/// Micro-batching: concurrent encode requests are answered by one encoder call. The first request waits at most
/// <see cref="ServingOptions.BatchWindow"/> for others (or until <see cref="ServingOptions.MaxBatch"/> texts wait); one
/// call runs at a time, and what arrives meanwhile goes into the next. The encoder's cost per text falls steeply with the
/// batch size, so single requests from many clients reach close to its batched rate.
/// </summary>
public sealed class EncoderBatcher : IAsyncDisposable, IDisposable
{
    private readonly ServingEncoder encoder;
    private readonly ServingOptions options;
    private readonly Channel<Work> queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lazy<Task> loop;
    private long calls;
    private long texts;

    /// <param name="encoder">The serving encoder.</param>
    /// <param name="options">The loop's options; <see cref="LoopOptions.Serving"/> applies.</param>
    public EncoderBatcher(ServingEncoder encoder, IOptions<LoopOptions> options)
    {
        this.encoder = encoder;
        this.options = options.Value.Serving;
        loop = new Lazy<Task>(() => Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap());
    }

    /// <summary>Encoder calls made so far.</summary>
    public long Calls => Interlocked.Read(ref calls);

    /// <summary>Texts encoded so far (their mean per call is the batch size reached).</summary>
    public long Texts => Interlocked.Read(ref texts);

    /// <summary>The texts' embeddings, in order, from an encoder call shared with whatever else arrived meanwhile.</summary>
    /// <exception cref="OperationCanceledException">The caller gave up before its batch ran.</exception>
    public Task<float[][]> EncodeAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        if (texts.Count == 0) return Task.FromResult(Array.Empty<float[]>());
        var work = new Work(texts, new TaskCompletionSource<float[][]>(TaskCreationOptions.RunContinuationsAsynchronously), cancellationToken);
        if (!queue.Writer.TryWrite(work)) throw new ObjectDisposedException(nameof(EncoderBatcher));
        _ = loop.Value;
        return cancellationToken.CanBeCanceled ? work.Result.Task.WaitAsync(cancellationToken) : work.Result.Task;
    }

    /// <summary>Stops taking work; work already queued is still encoded.</summary>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        if (loop.IsValueCreated) await loop.Value;
    }

    /// <summary>Stops taking work without waiting; work already queued is still encoded.</summary>
    public void Dispose() => queue.Writer.TryComplete();

    private async Task RunAsync()
    {
        var batch = new List<Work>();
        while (await queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            var count = 0;
            Take(batch, ref count);
            if (count < options.MaxBatch && options.BatchWindow > TimeSpan.Zero)
            {
                using var window = new CancellationTokenSource(options.BatchWindow);
                try
                {
                    while (count < options.MaxBatch && await queue.Reader.WaitToReadAsync(window.Token)) Take(batch, ref count);
                }
                catch (OperationCanceledException) when (window.IsCancellationRequested)
                {
                }
            }
            Encode(batch);
        }
    }

    private void Take(List<Work> batch, ref int count)
    {
        while (count < options.MaxBatch && queue.Reader.TryRead(out var work))
        {
            if (work.Cancellation.IsCancellationRequested)
            {
                work.Result.TrySetCanceled(work.Cancellation);
                continue;
            }
            batch.Add(work);
            count += work.Texts.Count;
        }
    }

    private void Encode(List<Work> batch)
    {
        if (batch.Count == 0) return;
        try
        {
            var all = batch.Count == 1 ? batch[0].Texts : batch.SelectMany(w => w.Texts).ToArray();
            var vectors = encoder.Encode(all);
            Interlocked.Increment(ref calls);
            Interlocked.Add(ref texts, all.Count);
            var at = 0;
            foreach (var work in batch)
            {
                work.Result.TrySetResult(vectors[at..(at + work.Texts.Count)]);
                at += work.Texts.Count;
            }
        }
        catch (Exception e)
        {
            foreach (var work in batch) work.Result.TrySetException(e);
        }
    }

    private sealed record Work(IReadOnlyList<string> Texts, TaskCompletionSource<float[][]> Result, CancellationToken Cancellation);
}
