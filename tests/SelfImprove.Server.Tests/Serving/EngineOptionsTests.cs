using SelfImprove.Hosting;

namespace SelfImprove.Server.Tests.Serving;

/// <summary>The engine's concurrency, the tick's batches and its runs limit are checked before anything starts, each problem naming its flag.</summary>
public sealed class EngineOptionsTests
{
    [Fact]
    public void Out_of_range_concurrency_and_batches_are_refused_naming_each_flag()
    {
        var options = new ServerOptions
        {
            Development = true, AgentsFolder = Path.GetTempPath(), EngineActivities = 0, EngineOrchestrations = 20_000, MonitorBatchSize = 500, MonitorBatchesInFlight = 0,
            MonitorMaxRuns = 0,
        };

        var message = Assert.Throws<ArgumentException>(options.Validate).Message;

        Assert.Contains("--engine-activities: 0 is not a number from 1 to 10000", message);
        Assert.Contains("--engine-orchestrations: 20000", message);
        Assert.Contains("--monitor-batch: 500", message);
        Assert.Contains("--monitor-batches: 0", message);
        Assert.Contains("--monitor-max-runs: 0 is not a number of runs from 1 to 10000", message);
    }

    [Fact]
    public void Each_backend_has_its_documented_default_and_a_flag_overrides_one_setting()
    {
        Assert.Equal(EngineConcurrency.InMemory, new ServerOptions().Concurrency);
        Assert.Equal(EngineConcurrency.AzureStorage, new ServerOptions { Backend = Backend.AzureStorage }.Concurrency);
        Assert.Equal(new EngineConcurrency(16, EngineConcurrency.InMemory.Orchestrations), new ServerOptions { EngineActivities = 16 }.Concurrency);
        Assert.Contains("engine activities: 0", Assert.Throws<ArgumentException>(new EngineConcurrency(0, 1).Validate).Message);
    }
}
