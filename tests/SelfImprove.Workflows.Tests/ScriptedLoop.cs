using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Runs;
using SelfImprove.Core.Steps;
using SelfImprove.Api.Composition;
using SelfImprove.Server;
using SelfImprove.Steps;
using SelfImprove.Testing;

namespace SelfImprove.Workflows.Tests;

/// <summary>The real embedded durable host and run ledger, with <see cref="ScriptedSteps"/> doing the work.</summary>
public sealed class ScriptedLoop : IAsyncDisposable
{
    private readonly TempDirectory? ownedFolder;

    private ScriptedLoop(TempDirectory? ownedFolder, LoopHost host, ScriptedSteps steps)
    {
        this.ownedFolder = ownedFolder;
        Host = host;
        Steps = steps;
    }

    public const string AgentId = "support-router";
    public LoopHost Host { get; }
    public ScriptedSteps Steps { get; }
    public RunLedger Ledger => Host.Services.GetRequiredService<RunLedger>();

    /// <param name="steps">The scripted steps.</param>
    /// <param name="edit">Changes to the shipped manifest (e.g. a short approval timeout).</param>
    /// <param name="backend">Orchestration backend; in-memory when null.</param>
    /// <param name="folder">Manifest and store folder, to restart on the same state; a fresh one (deleted on dispose) when null.</param>
    /// <param name="artifacts">Artefact store; the folder's <c>store</c> when null.</param>
    public static async Task<ScriptedLoop> StartAsync(
        ScriptedSteps steps, Action<JsonObject>? edit = null, DurableTask.Core.IOrchestrationService? backend = null, TempDirectory? folder = null,
        Core.Ports.IArtifactStore? artifacts = null)
    {
        var owned = folder is null ? new TempDirectory() : null;
        folder ??= owned!;
        var manifest = ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder, m =>
        {
            m["goal"]!["target"] = 0.85;
            m["goal"]!["acceptableRange"]!["min"] = 0.82;
            edit?.Invoke(m);
        }));
        var host = await LoopHost.StartAsync(
            new LoopOptions { Agents = [manifest], StoreDirectory = folder.Combine("store"), ArtifactStore = artifacts },
            services =>
            {
                services.AddStepsFrom(steps);
                services.AddStepsFrom(sp => new MonitoringWithRealRunState(steps, sp.GetRequiredService<RunLedger>()));
            },
            backend: backend);
        return new ScriptedLoop(owned, host, steps);
    }

    /// <summary>Starts a run by hand (as a person would) and returns its id.</summary>
    public async Task<string> StartRunAsync()
    {
        var check = await Host.CheckAsync(AgentId, manual: true, reason: "test");
        return check.RunId ?? throw new InvalidOperationException($"No run started: {check.Decision.Reason}");
    }

    /// <summary>Follows the run, answering its approval request with <paramref name="decision"/> (none: let it time out).</summary>
    public Task<ImprovementReport> FinishAsync(string runId, ApprovalDecision? decision = null) =>
        Host.WatchAsync(runId, onApproval: async (id, _) =>
        {
            if (decision is not null) await Host.ApproveAsync(id, decision);
        }).WaitAsync(TimeSpan.FromMinutes(2));

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        ownedFolder?.Dispose();
    }

    /// <summary>Scripted snapshots, but the run state (lock, last run) from the real ledger.</summary>
    private sealed class MonitoringWithRealRunState(ScriptedSteps steps, RunLedger ledger) : IMonitoringStep
    {
        public Task<Core.Monitoring.MonitoringSnapshot> SnapshotAsync(string agentId, CancellationToken cancellationToken = default) =>
            steps.SnapshotAsync(agentId, cancellationToken);

        public Task<Core.Monitoring.AgentRunState> RunStateAsync(string agentId, CancellationToken cancellationToken = default) =>
            ledger.StateAsync(agentId, cancellationToken);
    }
}
