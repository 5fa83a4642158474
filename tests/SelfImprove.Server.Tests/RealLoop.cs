using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Hosting;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.Steps;
using SelfImprove.Steps;
using SelfImprove.Testing;

namespace SelfImprove.Server.Tests;

/// <summary>
/// The whole loop for real — generated data, MiniLM embeddings, L-BFGS training, ONNX scoring, the local
/// store — on the embedded durable host, with a small data set so a run takes seconds.
/// </summary>
public sealed class RealLoop : IAsyncDisposable
{
    public const string AgentId = "support-router";

    private readonly TempDirectory folder;

    private RealLoop(TempDirectory folder, LoopHost host)
    {
        this.folder = folder;
        Host = host;
    }

    public LoopHost Host { get; }
    public IModelRegistry Registry => Host.Services.GetRequiredService<IModelRegistry>();
    public ServingRouter Router => Host.Services.GetRequiredService<ServingRouter>();
    public AgentEntry Agent => Host.Services.GetRequiredService<AgentCatalog>().Get(AgentId);

    /// <summary>Small data, a reachable goal, and an A/B rule that a few hundred trial requests can decide.</summary>
    public static async Task<RealLoop> StartAsync(Action<JsonObject>? edit = null, Action<IServiceCollection>? configure = null)
    {
        var folder = new TempDirectory();
        var manifest = ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder, m =>
        {
            ManifestFiles.UseSmallAgent(m, driftPoint: 0.4);
            edit?.Invoke(m);
        }));
        var host = await LoopHost.StartAsync(
            loop =>
            {
                loop.Agents = [manifest];
                loop.StoreDirectory = folder.Combine("store");
                loop.EmbeddingCacheDirectory = ManifestFiles.SharedEmbeddingCache;
            },
            services =>
            {
                services.UseSharedServingEmbeddings();
                configure?.Invoke(services);
            });
        var loop = new RealLoop(folder, host);
        await loop.BootstrapAsync();
        return loop;
    }

    public TrafficReplayer Replayer => Host.Services.GetRequiredService<TrafficReplayer>();

    /// <summary>
    /// Trains v1 on the pool and makes it serve, like a deployed agent before drift; then its callers send the recorded
    /// past through the predict and feedback paths.
    /// </summary>
    private async Task BootstrapAsync()
    {
        await Host.Services.GetRequiredService<InitialVersions>().TrainAsync(AgentId, "test:bootstrap", "bootstrap");
        await Replayer.ReplayHistoryAsync(AgentId);
    }

    public async Task<ImprovementReport> RunAsync(bool approve = true, Func<Task>? whileWaiting = null)
    {
        var check = await Host.Runs.CheckAsync(AgentId);
        Assert.True(check.RunId is not null, $"monitoring started no run: {check.Decision.Outcome}: {check.Decision.Reason}");
        return await FollowAsync(check.RunId, approve, whileWaiting);
    }

    /// <summary>
    /// Follows a run to its end, approving (or rejecting) it when it asks. The replayer plays the callers and annotators
    /// meanwhile: it labels the queue and sends the trial's traffic.
    /// </summary>
    public async Task<ImprovementReport> FollowAsync(string runId, bool approve = true, Func<Task>? whileWaiting = null)
    {
        using var stop = new CancellationTokenSource();
        var users = Replayer.AccompanyAsync(AgentId, runId, Host.Runs, TimeSpan.FromMilliseconds(100), stop.Token);
        try
        {
            return await Host.Runs.WatchAsync(runId, onApproval: async run =>
            {
                if (whileWaiting is not null) await whileWaiting();
                await Host.ApproveAsync(run.RunId, new ApprovalDecision(approve, "test", null));
            }).WaitAsync(TimeSpan.FromMinutes(4));
        }
        finally
        {
            await stop.CancelAsync();
            await users;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        folder.Dispose();
    }
}
