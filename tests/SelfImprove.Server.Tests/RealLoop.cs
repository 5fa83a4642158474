using SelfImprove.Api.Composition;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Core.Steps;
using SelfImprove.Learning.Training;
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

    /// <summary>Embeddings depend only on the text: one cache for every test of the run keeps them cheap.</summary>
    private static readonly string SharedCache = Path.Combine(Path.GetTempPath(), "selfimprove-tests", "embeddings");

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
            ManifestFiles.UseSmallData(m, poolPerIntent: 12, evaluationPerIntent: 6, productionSize: 1600, driftPoint: 0.4);
            m["goal"]!["target"] = 0.80;
            m["goal"]!["acceptableRange"]!["min"] = 0.78;
            m["monitoring"]!["sampleSize"] = 300;
            m["trigger"]!["minimumEvidence"] = 100;
            m["deployment"]!["candidateShare"] = 0.3;
            m["deployment"]!["minimumSamples"] = 30;
            edit?.Invoke(m);
        }));
        var host = await LoopHost.StartAsync(
            new LoopOptions { Agents = [manifest], StoreDirectory = folder.Combine("store"), EmbeddingCacheDirectory = SharedCache },
            configure);
        var loop = new RealLoop(folder, host);
        await loop.BootstrapAsync();
        return loop;
    }

    /// <summary>Trains v1 on the pool and makes it serve, like a deployed agent before drift.</summary>
    private async Task BootstrapAsync()
    {
        var data = Agent.Data;
        var trainer = Host.Services.GetRequiredService<StudentModelTrainer>();
        var v1 = await trainer.TrainAsync(new TrainingJob(Agent.Manifest, data.Pool, data.Evaluation, null, "test:bootstrap"));
        await Registry.SetServingAsync(AgentId, v1.VersionId, "bootstrap");
    }

    public async Task<ImprovementReport> RunAsync(bool approve = true, Func<Task>? whileWaiting = null)
    {
        var check = await Host.CheckAsync(AgentId);
        Assert.True(check.RunId is not null, $"monitoring started no run: {check.Decision.Outcome}: {check.Decision.Reason}");
        return await Host.WatchAsync(check.RunId, onApproval: async (runId, _) =>
        {
            if (whileWaiting is not null) await whileWaiting();
            await Host.ApproveAsync(runId, new ApprovalDecision(approve, "test", null));
        }).WaitAsync(TimeSpan.FromMinutes(4));
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        folder.Dispose();
    }
}
