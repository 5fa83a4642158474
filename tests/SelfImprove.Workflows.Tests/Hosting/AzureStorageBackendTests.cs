using Microsoft.Extensions.Logging.Abstractions;
using SelfImprove.Core.Runs;
using SelfImprove.Core.Steps;
using SelfImprove.Server;
using SelfImprove.Testing;

namespace SelfImprove.Workflows.Tests.Hosting;

/// <summary>The same orchestrations on the Durable Task Azure Storage provider, against a private Azurite.</summary>
public sealed class AzureStorageBackendTests : IAsyncLifetime
{
    private Azurite azurite = null!;

    public async Task InitializeAsync() => azurite = await Azurite.StartAsync();

    public async Task DisposeAsync() => await azurite.DisposeAsync();

    [Fact]
    public async Task A_run_waiting_for_approval_survives_a_host_restart_and_completes_once()
    {
        var hub = $"hub{Guid.NewGuid():N}"[..20];
        using var folder = new TempDirectory();
        string runId;
        await using (var first = await ScriptedLoop.StartAsync(new ScriptedSteps(), backend: await BackendAsync(hub), folder: folder))
        {
            runId = await first.StartRunAsync();
            await WaitForApprovalAsync(first, runId);
        }

        var steps = new ScriptedSteps();
        await using var second = await ScriptedLoop.StartAsync(steps, backend: await BackendAsync(hub), folder: folder);
        await second.Host.ApproveAsync(runId, new ApprovalDecision(true, "ana", null));
        var report = await second.FinishAsync(runId);

        Assert.Equal(RunStatuses.Promoted, report.Status);
        Assert.Equal(["trial v2", "promote v2"], steps.Calls);
        Assert.Equal(report, await second.Ledger.ReportAsync(runId));
        Assert.Null((await second.Ledger.StateAsync(ScriptedLoop.AgentId)).RunningRunId);
    }

    private Task<DurableTask.Core.IOrchestrationService> BackendAsync(string hub) =>
        DurableBackends.AzureStorageAsync(azurite.ConnectionString, hub, "test-worker", NullLoggerFactory.Instance);

    private static async Task WaitForApprovalAsync(ScriptedLoop loop, string runId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        Microsoft.DurableTask.Client.OrchestrationMetadata? state = null;
        while (DateTime.UtcNow < deadline)
        {
            state = await loop.Host.Client.GetInstanceAsync(runId, getInputsAndOutputs: true);
            if (state?.SerializedCustomStatus?.Contains("\"waitingForApproval\":true", StringComparison.OrdinalIgnoreCase) == true) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"run {runId} never waited for approval: {state?.RuntimeStatus} {state?.SerializedCustomStatus} {state?.FailureDetails?.ErrorMessage}");
    }
}
