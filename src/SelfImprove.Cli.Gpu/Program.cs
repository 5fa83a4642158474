using SelfImprove.Cli;
using SelfImprove.Cli.Gpu;
using SelfImprove.Learning.Embeddings;

// The selfimprove CLI with CUDA: every command of src/SelfImprove.Cli, plus the embedding-speed probe bench/gpu-check.sh runs.
if (args is [EmbeddingSpeedCommand.Name, .. var rest])
    return EmbeddingSpeedCommand.Run(rest, Console.Out, Console.Error);

// A worker says at start what its GPU jobs will get: CUDA on device 0, or why not (each job still asks for its own
// training.compute.deviceId, and a job that needs a GPU it cannot have fails with the reason).
if (args is ["train-worker", ..] && !args.Contains("--help") && !args.Contains("-h"))
{
    var probe = ExecutionProviders.Create(new ExecutionProviderRequest(Gpu: true, DeviceId: 0, AllowCpuFallback: true));
    probe.Options.Dispose();
    Console.Error.WriteLine(probe.Provider is ExecutionProvider.Cuda
        ? $"GPU build: {probe.Describe()}"
        : $"GPU build: CUDA device 0 is not usable here ({probe.FallbackReason}); jobs with training.compute.gpu fail unless they allow the CPU fallback");
}
return await SelfImproveCli.RunAsync(args, Console.Out, Console.Error, Console.In);
