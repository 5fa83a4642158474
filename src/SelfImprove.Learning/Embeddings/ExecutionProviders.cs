using Microsoft.ML.OnnxRuntime;

namespace SelfImprove.Learning.Embeddings;

/// <summary>Where ONNX Runtime runs the encoder: the CPU, or NVIDIA CUDA.</summary>
public enum ExecutionProvider
{
    Cpu,
    Cuda,
}

/// <summary>
/// What the training compute asks of the encoder: <paramref name="Gpu"/> to run on CUDA device
/// <paramref name="DeviceId"/> (0-based, as <c>nvidia-smi</c> numbers them); <paramref name="AllowCpuFallback"/> to run on
/// the CPU instead when CUDA cannot be used (otherwise that is an error).
/// </summary>
public sealed record ExecutionProviderRequest(bool Gpu, int DeviceId = 0, bool AllowCpuFallback = false);

/// <summary>
/// The session options ONNX Runtime got, which provider they run on, the batch size (sentences per
/// <c>Run</c>) that suits it, and, when a GPU was asked for but the CPU is used, why. The caller owns (and disposes) <see cref="Options"/>.
/// </summary>
public sealed record ExecutionProviderChoice(SessionOptions Options, ExecutionProvider Provider, int DeviceId, int BatchSize, string? FallbackReason)
{
    /// <summary>One line for a worker to print at start, e.g. <c>embedding on CUDA device 0 (batch 256)</c>.</summary>
    public string Describe() => Provider switch
    {
        ExecutionProvider.Cuda => $"embedding on CUDA device {DeviceId} (ONNX Runtime CUDAExecutionProvider, batch {BatchSize})",
        _ when FallbackReason is not null => $"embedding on the CPU ({Environment.ProcessorCount} threads, batch {BatchSize}): CUDA device {DeviceId} is not usable, falling back as allowed ({FallbackReason})",
        _ => $"embedding on the CPU ({Environment.ProcessorCount} threads, batch {BatchSize})",
    };
}

/// <summary>
/// Builds ONNX Runtime session options for the MiniLM encoder. CUDA needs the GPU build of ONNX Runtime
/// (<c>Microsoft.ML.OnnxRuntime.Gpu.Linux</c> 1.31.0, referenced by <c>src/SelfImprove.Cli.Gpu</c> only), whose CUDA provider links CUDA 13
/// (libcudart.so.13, libcublas.so.13) and cuDNN 9
/// on the library path, and an NVIDIA device; the CPU build (everything else, tests included) never loads CUDA.
/// Provider API: https://onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider.html
/// </summary>
public static class ExecutionProviders
{
    /// <summary>Sentences per session run on the CPU: larger batches gain nothing once every core is busy.</summary>
    public const int CpuBatchSize = 64;

    /// <summary>Sentences per session run on CUDA: a GPU needs large batches to be busy (short sentences, about 30 tokens).</summary>
    public const int CudaBatchSize = 256;

    /// <summary>
    /// Session options for <paramref name="request"/>: the CPU with one thread per core when no GPU is asked for;
    /// otherwise the CUDA execution provider on the requested device.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative device id.</exception>
    /// <exception cref="InvalidOperationException">
    /// A GPU is asked for, CUDA cannot be used (the CPU build of ONNX Runtime, no CUDA 13/cuDNN 9 libraries, no such device)
    /// and <see cref="ExecutionProviderRequest.AllowCpuFallback"/> is false. The message names the device and how to fix it.
    /// </exception>
    public static ExecutionProviderChoice Create(ExecutionProviderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.DeviceId, nameof(request.DeviceId));
        if (!request.Gpu) return Cpu(request.DeviceId, null);

        var reason = CudaUnavailableReason();
        if (reason is null)
        {
            try
            {
                var options = SessionOptions.MakeSessionOptionWithCudaProvider(request.DeviceId);
                return new ExecutionProviderChoice(options, ExecutionProvider.Cuda, request.DeviceId, CudaBatchSize, null);
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                reason = ex.Message;
            }
        }
        if (request.AllowCpuFallback) return Cpu(request.DeviceId, reason);
        throw new InvalidOperationException(
            $"training.compute asks for a GPU (CUDA device {request.DeviceId}) but ONNX Runtime cannot use it here: {reason.TrimEnd('.')}. " +
            "To fix: run the GPU worker build (src/SelfImprove.Cli.Gpu, or the image from its Dockerfile) on a host with an NVIDIA GPU, " +
            "a driver for CUDA 13, and the CUDA 13 runtime (cudart, cuBLAS) and cuDNN 9 libraries on the library path (check with nvidia-smi and bench/gpu-check.sh), and a device id nvidia-smi lists; " +
            "or set training.compute.gpu to false to train on the CPU.");
    }

    /// <summary>
    /// Null when the loaded ONNX Runtime has the CUDA provider compiled in; otherwise why not. The providers ONNX Runtime
    /// lists are those it was built with, not those whose libraries load: appending the provider is the real check.
    /// </summary>
    private static string? CudaUnavailableReason()
    {
        try
        {
            var available = OrtEnv.Instance().GetAvailableProviders();
            return available.Contains("CUDAExecutionProvider")
                ? null
                : $"the ONNX Runtime loaded in this process is a CPU build (providers: {string.Join(", ", available)})";
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException or TypeInitializationException)
        {
            return $"ONNX Runtime did not load ({ex.Message})";
        }
    }

    private static ExecutionProviderChoice Cpu(int deviceId, string? fallbackReason) =>
        new(new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount }, ExecutionProvider.Cpu, deviceId, CpuBatchSize, fallbackReason);
}
