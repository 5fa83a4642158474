using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Runs;
using SelfImprove.Steps;
using SelfImprove.Workflows.Steps;
using SelfImprove.Runs;
using SelfImprove.Hosting;
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
        string runId, token;
        await using (var first = await ScriptedLoop.StartAsync(new ScriptedSteps(), backend: await BackendAsync(hub), folder: folder))
        {
            runId = await first.StartRunAsync();
            await WaitForApprovalAsync(first, runId);
            token = await first.ApprovalTokenAsync(runId);
        }

        var steps = new ScriptedSteps();
        await using var second = await ScriptedLoop.StartAsync(steps, backend: await BackendAsync(hub), folder: folder);
        var decided = await second.Host.Runs.DecideAsync(runId, token, new ApprovalDecision(true, "ana", null));
        Assert.Equal(ApprovalOutcome.Accepted, decided.Outcome);
        var report = await second.FinishAsync(runId);

        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Equal(["trial v2", "check", "promote v2"], steps.Calls);
        Assert.Equal(report, await second.Ledger.ReportAsync(runId));
        Assert.Null((await second.Ledger.StateAsync(ScriptedLoop.AgentId)).RunningRunId);
    }

    /// <summary>
    /// What a survivor sees when a server was killed after saving a run's start in the history but before marking the
    /// instance Running and deleting the start message: an instance the provider calls Pending for good, and the start
    /// message again, for a run that has a history. The message is dropped once (the sidecar's dispatcher used to fail on
    /// it and abandon the work item with everything that came with it, stalling the run), the run still counts as running,
    /// so its approval is taken, and it finishes.
    /// </summary>
    [Fact]
    public async Task A_redelivered_start_message_is_dropped_and_the_run_goes_on()
    {
        using var logs = new CapturedLogs(LogLevel.Warning);
        var hub = $"hub{Guid.NewGuid():N}"[..20];
        var backend = await BackendAsync(hub);
        await using var loop = await ScriptedLoop.StartAsync(new ScriptedSteps(), backend: backend, loggerFactory: logs.Factory);
        var runId = await loop.StartRunAsync();
        await WaitForApprovalAsync(loop, runId);
        var instances = new Azure.Data.Tables.TableClient(azurite.ConnectionString, hub + "Instances");
        await instances.UpdateEntityAsync(new Azure.Data.Tables.TableEntity(runId, "") { ["RuntimeStatus"] = "Pending" }, Azure.ETag.All);
        Assert.Equal(Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Pending, (await loop.Host.Client.GetInstanceAsync(runId))!.RuntimeStatus);
        Assert.True((await loop.Host.Runs.GetAsync(runId))!.WaitingForApproval);

        var client = (IOrchestrationServiceClient)backend;
        var state = (await client.GetOrchestrationStateAsync(runId, allExecutions: false)).Single();
        var start = new ExecutionStartedEvent(-1, state.Input) { Name = state.Name, Version = state.Version, OrchestrationInstance = state.OrchestrationInstance };
        await client.SendTaskOrchestrationMessageAsync(new TaskMessage { Event = start, OrchestrationInstance = state.OrchestrationInstance });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (logs.Count(ReconcilingOrchestrationService.DroppedMarker) == 0 && DateTime.UtcNow < deadline) await Task.Delay(100);

        var report = await loop.FinishAsync(runId, new ApprovalDecision(true, "ana", null));
        Assert.Equal(RunStatus.Promoted, report.Status);
        var dropped = Assert.Single(logs.Lines, l => l.Text.Contains(ReconcilingOrchestrationService.DroppedMarker, StringComparison.Ordinal));
        Assert.Contains($"for {runId}: ExecutionStarted; the orchestration has already started", dropped.Text);
        Assert.DoesNotContain(logs.Lines, l => l.Text.Contains("Multiple ExecutionStartedEvent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_blob_storage_for_artefacts_nothing_of_a_run_is_kept_on_local_disk()
    {
        var container = new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, $"run{Guid.NewGuid():N}");
        var blobs = await Storage.BlobArtifactStore.OpenAsync(container);
        using var folder = new TempDirectory();
        await using var loop = await ScriptedLoop.StartAsync(new ScriptedSteps(), backend: await BackendAsync($"hub{Guid.NewGuid():N}"[..20]), folder: folder, artifacts: blobs);

        var report = await loop.FinishAsync(await loop.StartRunAsync(), new ApprovalDecision(true, "ana", null));

        Assert.Equal(RunStatus.Promoted, report.Status);
        Assert.Contains($"runs/{report.RunId}/report.json", await blobs.ListAsync("runs/"));
        Assert.Contains("agents/support-router/last-run.json", await blobs.ListAsync("agents/"));
        Assert.False(Directory.Exists(folder.Combine("store", "runs")));
    }

    /// <summary>
    /// The first host may stop while the approval request's activity is still in flight (the run says it waits just
    /// before it asks); the restarted host gets that work after the redelivery delay, so keep it short here.
    /// </summary>
    [Fact]
    public async Task Two_engine_hosts_on_one_hub_share_a_monitoring_ticks_checks()
    {
        var hub = $"hub{Guid.NewGuid():N}"[..20];
        using var folder = new TempDirectory();
        var manifest = ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder, m => m["monitoring"]!["schedule"] = "0 0 * * * *"));
        var fleet = Enumerable.Range(1, 24).Select(i => manifest with { Manifest = manifest.Manifest with { AgentId = $"agent-{i:D3}" } }).ToArray();
        var checks = new HostsMonitoring();
        var oneAtATime = new EngineConcurrency(1, 16);

        // One activity (one batch of checks) at a time per host: the first host cannot hold two batches, and each check waits
        // (bounded) until both hosts have started one, so the tick ends in time only if the second host takes a batch from the hub's queue.
        async Task<LoopHost> StartAsync(int index) => await LoopHost.StartAsync(
            loop =>
            {
                loop.Agents = fleet;
                loop.StoreDirectory = folder.Combine("store");
            },
            services =>
            {
                services.AddStepsFrom(new ScriptedSteps());
                services.AddSingleton<IMonitoringStep>(checks.For(index));
            },
            backend: await DurableBackends.AzureStorageAsync(azurite.ConnectionString, hub, $"host-{index}", NullLoggerFactory.Instance, concurrency: oneAtATime),
            concurrency: oneAtATime);
        await using var first = await StartAsync(0);
        await using var second = await StartAsync(1);
        var noon = new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

        var tick = await first.Runs.StartMonitoringTickAsync(noon.AddMinutes(-15), noon, batchSize: 8, batchesInFlight: 3);
        var result = await first.Runs.WaitForMonitoringTickAsync(tick.TickId).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(24, result.Checked);
        Assert.Empty(result.Failed);
        Assert.Equal(fleet.Select(m => m.Manifest.AgentId), checks.CheckedBy.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([0, 1], checks.CheckedBy.Values.Distinct().Order());
    }

    /// <summary>Healthy snapshots that record which host checked each agent; every check waits until both hosts have checked.</summary>
    private sealed class HostsMonitoring
    {
        private readonly TaskCompletionSource both = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public System.Collections.Concurrent.ConcurrentDictionary<string, int> CheckedBy { get; } = new();

        public IMonitoringStep For(int host) => new Host(this, host);

        private sealed class Host(HostsMonitoring owner, int index) : IMonitoringStep
        {
            public async Task<MonitoringSnapshot> SnapshotAsync(string agentId, CancellationToken cancellationToken = default)
            {
                owner.CheckedBy[agentId] = index;
                if (owner.CheckedBy.Values.Distinct().Count() == 2) owner.both.TrySetResult();
                // Bounded, so a tick that only one host serves fails the assertion instead of hanging.
                await Task.WhenAny(owner.both.Task, Task.Delay(TimeSpan.FromSeconds(20), cancellationToken));
                return new MonitoringSnapshot(agentId, ScriptedSteps.Serving, GoalMetric.Accuracy, 0.95, 320, 0.95, 500);
            }
        }
    }

    private Task<DurableTask.Core.IOrchestrationService> BackendAsync(string hub) =>
        DurableBackends.AzureStorageAsync(azurite.ConnectionString, hub, "test-worker", NullLoggerFactory.Instance, redeliveryAfter: TimeSpan.FromSeconds(10));

    internal static async Task WaitForApprovalAsync(ScriptedLoop loop, string runId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        Microsoft.DurableTask.Client.OrchestrationMetadata? state = null;
        while (DateTime.UtcNow < deadline)
        {
            state = await loop.Host.Client.GetInstanceAsync(runId, getInputsAndOutputs: true);
            // Waiting, and the approval request's activity has done its work: the approvers were told and the escalation
            // scheduled (its last step), so a host stopped now does not leave the request to be sent again by the next.
            if (state?.SerializedCustomStatus?.Contains("\"waitingForApproval\":true", StringComparison.OrdinalIgnoreCase) == true
                && await loop.Host.Client.GetInstanceAsync(Workflows.Steps.EscalationInput.InstanceId(runId)) is not null) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"run {runId} never waited for approval: {state?.RuntimeStatus} {state?.SerializedCustomStatus} {state?.FailureDetails?.ErrorMessage}");
    }
}
