using Microsoft.DurableTask;
using Microsoft.Extensions.Logging.Abstractions;
using SelfImprove.Core.Runs;
using SelfImprove.Hosting;
using SelfImprove.Runs;
using SelfImprove.Testing;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.Tests.Hosting;

/// <summary>
/// A deploy while a run is in flight: the run started on one version of the run orchestrator and the host comes back
/// with a changed one. On the Azure Storage provider (Azurite), whose state outlives the host.
/// </summary>
public sealed class OrchestrationVersioningTests : IAsyncLifetime
{
    private static readonly ApprovalDecision Approve = new(true, "ana", null);
    private Azurite azurite = null!;

    public async Task InitializeAsync() => azurite = await Azurite.StartAsync();

    public async Task DisposeAsync() => await azurite.DisposeAsync();

    [Fact]
    public async Task A_run_started_before_a_deploy_that_changed_the_orchestrator_finishes_on_its_own_version_and_new_runs_take_the_new_one()
    {
        var hub = $"ver{Guid.NewGuid():N}"[..20];
        using var folder = new TempDirectory();
        var shipped = RunOrchestrations.Default.Current;
        string runId, token;
        await using (var before = await ScriptedLoop.StartAsync(new ScriptedSteps(), backend: await BackendAsync(hub), folder: folder))
        {
            runId = await before.StartRunAsync();
            await AzureStorageBackendTests.WaitForApprovalAsync(before, runId);
            token = await before.ApprovalTokenAsync(runId);
            Assert.Equal(shipped.Version, (await before.Host.Runs.GetAsync(runId))!.OrchestrationVersion);
        }

        // The deploy: the same build's versions plus a changed orchestrator, which new runs start on.
        var deployed = new RunOrchestrations([.. RunOrchestrations.Default.Versions.Select(v => v.Type), typeof(ImprovementRunOrchestratorV4)]);
        Assert.Equal(4, deployed.Current.Version);
        var steps = new ScriptedSteps();
        await using var after = await ScriptedLoop.StartAsync(steps, backend: await BackendAsync(hub), folder: folder, runOrchestrations: deployed);

        Assert.Equal(ApprovalOutcome.Accepted, (await after.Host.Runs.DecideAsync(runId, token, Approve)).Outcome);
        var old = await after.FinishAsync(runId);
        Assert.Equal(RunStatus.Promoted, old.Status);
        Assert.DoesNotContain(ImprovementRunOrchestratorV4.Marker, old.Reason);
        Assert.Equal(["trial v2", "check", "promote v2"], steps.Calls); // the rest of the shipped version's steps, and nothing of the new one's
        Assert.Equal(shipped.Version, (await after.Host.Runs.GetAsync(runId))!.OrchestrationVersion);

        var next = await after.StartRunAsync();
        Assert.Equal(4, (await after.Host.Runs.GetAsync(next))!.OrchestrationVersion);
        var report = await after.FinishAsync(next, Approve);
        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.StartsWith(ImprovementRunOrchestratorV4.Marker, report.Reason);
    }

    private Task<DurableTask.Core.IOrchestrationService> BackendAsync(string hub) =>
        DurableBackends.AzureStorageAsync(azurite.ConnectionString, hub, "test-worker", NullLoggerFactory.Instance, redeliveryAfter: TimeSpan.FromSeconds(10));
}

/// <summary>
/// The changed run orchestrator of <see cref="OrchestrationVersioningTests"/>: it takes a monitoring snapshot first and
/// then does what the shipped version does, so its history differs from the shipped version's from the first step on
/// (a run of it replayed on this one would not match its history), and its report says it ran.
/// </summary>
public sealed class ImprovementRunOrchestratorV4 : TaskOrchestrator<RunInput, ImprovementReport>
{
    public const string Marker = "orchestrator v4: ";

    public override async Task<ImprovementReport> RunAsync(TaskOrchestrationContext context, RunInput input)
    {
        await context.TakeSnapshotAsync(input.AgentId);
        var report = await new ImprovementRunOrchestratorV3().RunAsync(context, input);
        return report with { Reason = Marker + report.Reason };
    }
}
