using SelfImprove.Learning.Embeddings;

namespace SelfImprove.Learning.Tests.Embeddings;

/// <summary>
/// Provider selection in the CPU build (the one every test runs): a GPU request can never be honoured here,
/// so it is an error that says what and how to fix, or the CPU when fallback is allowed. The CUDA path is checked by bench/gpu-check.sh.
/// </summary>
public sealed class ExecutionProvidersTests
{
    [Fact]
    public void Without_a_gpu_request_the_encoder_runs_on_every_cpu_core_in_small_batches()
    {
        var choice = ExecutionProviders.Create(new ExecutionProviderRequest(Gpu: false));
        using var options = choice.Options;

        Assert.Equal(ExecutionProvider.Cpu, choice.Provider);
        Assert.Equal(Environment.ProcessorCount, options.IntraOpNumThreads);
        Assert.Equal(ExecutionProviders.CpuBatchSize, choice.BatchSize);
        Assert.Null(choice.FallbackReason);
        Assert.StartsWith("embedding on the CPU", choice.Describe());
    }

    [Fact]
    public void A_gpu_request_without_usable_cuda_stops_with_the_device_the_cause_and_the_fix()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ExecutionProviders.Create(new ExecutionProviderRequest(Gpu: true, DeviceId: 1)));

        Assert.Contains("CUDA device 1", error.Message);
        Assert.Contains("CPU build", error.Message);
        Assert.Contains("src/SelfImprove.Cli.Gpu", error.Message);
        Assert.Contains("training.compute.gpu to false", error.Message);
    }

    [Fact]
    public void A_gpu_request_that_allows_fallback_runs_on_the_cpu_and_says_why()
    {
        var choice = ExecutionProviders.Create(new ExecutionProviderRequest(Gpu: true, DeviceId: 0, AllowCpuFallback: true));
        using var options = choice.Options;

        Assert.Equal(ExecutionProvider.Cpu, choice.Provider);
        Assert.Equal(ExecutionProviders.CpuBatchSize, choice.BatchSize);
        Assert.Contains("CPU build", choice.FallbackReason);
        Assert.Contains("CUDA device 0 is not usable, falling back", choice.Describe());
    }

    [Fact]
    public void A_negative_device_id_is_refused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ExecutionProviders.Create(new ExecutionProviderRequest(Gpu: true, DeviceId: -1)));
        Assert.Equal("DeviceId", error.ParamName);
    }
}
