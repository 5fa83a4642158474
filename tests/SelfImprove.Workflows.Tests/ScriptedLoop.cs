using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Runs;
using SelfImprove.Runs;
using SelfImprove.Hosting;
using SelfImprove.Steps;
using SelfImprove.Testing;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.Tests;

/// <summary>
/// The real embedded durable host, run ledger and approval gate, with <see cref="ScriptedSteps"/> doing the work.
/// </summary>
public sealed class ScriptedLoop : IAsyncDisposable
{
    private readonly TempDirectory? ownedFolder;

    private ScriptedLoop(TempDirectory? ownedFolder, LoopHost host, ScriptedSteps steps, System.Collections.Concurrent.ConcurrentQueue<ApprovalNotice> escalations)
    {
        Escalations = escalations;
        this.ownedFolder = ownedFolder;
        Host = host;
        Steps = steps;
    }

    public const string AgentId = "support-router";
    public LoopHost Host { get; }
    public ScriptedSteps Steps { get; }
    public RunLedger Ledger => Host.Services.GetRequiredService<RunLedger>();

    /// <summary>The escalation notices sent (half the approval timeout without a decision), in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<ApprovalNotice> Escalations { get; }

    /// <param name="steps">The scripted steps.</param>
    /// <param name="edit">Changes to the shipped manifest (e.g. a short approval timeout).</param>
    /// <param name="backend">Orchestration backend; in-memory when null.</param>
    /// <param name="folder">Manifest and store folder, to restart on the same state; a fresh one (deleted on dispose) when null.</param>
    /// <param name="artifacts">Artefact store; the folder's <c>store</c> when null.</param>
    /// <param name="configure">Replaces services after the defaults.</param>
    /// <param name="loggerFactory">The durable engine's logs; silent when null.</param>
    /// <param name="runOrchestrations">The run orchestrator versions; this build's when null.</param>
    public static async Task<ScriptedLoop> StartAsync(
        ScriptedSteps steps, Action<JsonObject>? edit = null, DurableTask.Core.IOrchestrationService? backend = null, TempDirectory? folder = null,
        Core.Ports.IArtifactStore? artifacts = null, Action<IServiceCollection>? configure = null, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null,
        Workflows.ImprovementRun.RunOrchestrations? runOrchestrations = null)
    {
        var owned = folder is null ? new TempDirectory() : null;
        folder ??= owned!;
        var manifest = ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder, m =>
        {
            m["goal"]!["target"] = 0.85;
            m["goal"]!["acceptableRange"]!["min"] = 0.82;
            edit?.Invoke(m);
        }));
        var escalations = new System.Collections.Concurrent.ConcurrentQueue<ApprovalNotice>();
        var host = await LoopHost.StartAsync(
            loop =>
            {
                loop.Agents = [manifest];
                loop.StoreDirectory = folder.Combine("store");
                loop.ArtifactStore = artifacts;
            },
            services =>
            {
                services.AddStepsFrom(steps);
                services.AddSingleton<IApprovalNotifier>(new RecordingNotifier(steps, escalations));
                configure?.Invoke(services);
            },
            loggerFactory,
            backend: backend,
            runOrchestrations: runOrchestrations);
        return new ScriptedLoop(owned, host, steps, escalations);
    }

    /// <summary>Starts a run by hand (as a person would) and returns its id.</summary>
    public async Task<string> StartRunAsync()
    {
        var check = await Host.Runs.CheckAsync(AgentId, manual: true, reason: "test");
        return check.RunId ?? throw new InvalidOperationException($"No run started: {check.Decision.Reason}");
    }

    /// <summary>
    /// Follows the run, answering its approval request with <paramref name="decision"/> through the token gate (none:
    /// let it time out). With <paramref name="deliver"/> false the decision is recorded but its event never sent, as
    /// when a host dies between the two.
    /// </summary>
    public Task<ImprovementReport> FinishAsync(string runId, ApprovalDecision? decision = null, bool deliver = true) =>
        Host.Runs.WatchAsync(runId, onApproval: async run =>
        {
            if (decision is null) return;
            if (deliver)
            {
                var result = await Host.ApproveAsync(run.RunId, decision);
                if (result.Outcome != ApprovalOutcome.Accepted) throw new InvalidOperationException(result.Message);
                return;
            }
            var token = await Host.Services.GetRequiredService<LocalApprovals>().TokenAsync(run.RunId);
            await Host.Services.GetRequiredService<ApprovalTokens>().RecordAsync(run.RunId, token, decision);
        }).WaitAsync(TimeSpan.FromMinutes(2));

    /// <summary>The token the run's approval link carries (as a person would copy it from the notification).</summary>
    public Task<string> ApprovalTokenAsync(string runId) => Host.Services.GetRequiredService<LocalApprovals>().TokenAsync(runId);

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        ownedFolder?.Dispose();
    }

    /// <summary>Records each approval request in the scripted steps' call log, and each escalation in <see cref="Escalations"/>.</summary>
    private sealed class RecordingNotifier(ScriptedSteps steps, System.Collections.Concurrent.ConcurrentQueue<ApprovalNotice> escalations) : IApprovalNotifier
    {
        public Task NotifyAsync(ApprovalNotice notice, CancellationToken cancellationToken = default)
        {
            if (notice.Escalation)
            {
                escalations.Enqueue(notice);
                return Task.CompletedTask;
            }
            steps.RecordApprovalRequest(new ApprovalRequest(notice.RunId, notice.AgentId, notice.CandidateVersionId, notice.Summary, notice.ExpiresAt));
            return Task.CompletedTask;
        }
    }
}
