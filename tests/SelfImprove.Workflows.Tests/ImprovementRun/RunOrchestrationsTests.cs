using Microsoft.DurableTask;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Monitoring;

namespace SelfImprove.Workflows.Tests.ImprovementRun;

/// <summary>How a run's orchestration name carries its orchestrator version, and what a host's set of versions accepts.</summary>
public sealed class RunOrchestrationsTests
{
    [Fact]
    public void The_build_ships_version_1_under_the_name_runs_have_always_had_and_starts_new_runs_on_its_highest()
    {
        var shipped = RunOrchestrations.Default;
        Assert.Equal((1, "ImprovementRunOrchestrator", typeof(ImprovementRunOrchestrator)), (shipped.Versions[0].Version, shipped.Versions[0].Name, shipped.Versions[0].Type));
        Assert.Equal(shipped.Versions.Max(v => v.Version), shipped.Current.Version);
        Assert.All(shipped.Versions, v => Assert.Contains(v.Type, WorkflowRegistration.Orchestrators));
    }

    [Theory]
    [InlineData(1, "ImprovementRunOrchestrator")]
    [InlineData(2, "ImprovementRunOrchestratorV2")]
    [InlineData(17, "ImprovementRunOrchestratorV17")]
    public void A_version_and_its_orchestration_name_map_both_ways(int version, string name)
    {
        Assert.Equal(name, RunOrchestrations.NameOf(version));
        Assert.Equal(version, RunOrchestrations.VersionOf(name));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(nameof(MonitorAgentOrchestrator))]
    [InlineData("ImprovementRunOrchestratorV1")]
    [InlineData("ImprovementRunOrchestratorV02")]
    [InlineData("ImprovementRunOrchestratorV")]
    [InlineData("ImprovementRunOrchestratorV2x")]
    [InlineData("improvementrunorchestrator")]
    public void Names_of_other_orchestrations_are_no_run_version(string? name) => Assert.Null(RunOrchestrations.VersionOf(name));

    [Fact]
    public void A_version_below_1_has_no_name() => Assert.Throws<ArgumentOutOfRangeException>(() => RunOrchestrations.NameOf(0));

    [Fact]
    public void A_set_of_versions_refuses_what_would_break_runs_with_the_class_named()
    {
        var notARun = Assert.Throws<ArgumentException>(() => new RunOrchestrations([typeof(MonitorAgentOrchestrator)]));
        Assert.Contains("MonitorAgentOrchestrator is not a run orchestrator", notARun.Message);

        var offConvention = Assert.Throws<ArgumentException>(() => new RunOrchestrations([typeof(ImprovementRunOrchestrator), typeof(NewImprovementRun)]));
        Assert.Contains("NewImprovementRun: its name must be ImprovementRunOrchestrator (version 1) or ImprovementRunOrchestratorV<n>", offConvention.Message);

        var twice = Assert.Throws<ArgumentException>(() => new RunOrchestrations([typeof(ImprovementRunOrchestrator), typeof(ImprovementRunOrchestrator)]));
        Assert.Contains("version 1 is given twice", twice.Message);

        Assert.Contains("At least one", Assert.Throws<ArgumentException>(() => new RunOrchestrations([])).Message);
    }

    [Fact]
    public void The_current_version_is_the_highest_whatever_the_order_given()
    {
        var versions = new RunOrchestrations([typeof(Hosting.ImprovementRunOrchestratorV4), typeof(ImprovementRunOrchestrator), typeof(ImprovementRunOrchestratorV3),
            typeof(ImprovementRunOrchestratorV2)]);
        Assert.Equal([1, 2, 3, 4], versions.Versions.Select(v => v.Version));
        Assert.Equal("ImprovementRunOrchestratorV4", versions.Current.Name);
        Assert.True(versions.Has("ImprovementRunOrchestrator"));
        Assert.False(versions.Has("ImprovementRunOrchestratorV5"));
    }

    /// <summary>A run orchestrator whose name does not say its version.</summary>
    public sealed class NewImprovementRun : TaskOrchestrator<RunInput, ImprovementReport>
    {
        public override Task<ImprovementReport> RunAsync(TaskOrchestrationContext context, RunInput input) => throw new NotSupportedException();
    }
}
