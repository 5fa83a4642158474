using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SelfImprove.Learning.Scoring;
using SelfImprove.Learning.Training;
using SelfImprove.Api.Composition;
using SelfImprove.Server;
using SelfImprove.Steps;

namespace SelfImprove.Cli;

/// <summary>One agent's manifest, data and model store, wired the same way the hosts wire them.</summary>
public sealed class AgentWorkspace : IDisposable
{
    private readonly ServiceProvider services;

    private AgentWorkspace(LoadedManifest loaded, string storeDirectory)
    {
        Loaded = loaded;
        services = new ServiceCollection()
            .AddSelfImproveLoop(new LoopOptions { Agents = [loaded], StoreDirectory = storeDirectory })
            .BuildServiceProvider();
    }

    public LoadedManifest Loaded { get; }
    public AgentManifest Manifest => Loaded.Manifest;
    public AgentDatasets Datasets => services.GetRequiredService<AgentCatalog>().Get(Manifest.AgentId).Data;
    public IModelRegistry Registry => services.GetRequiredService<IModelRegistry>();
    public StudentModelTrainer Trainer => services.GetRequiredService<StudentModelTrainer>();
    public ModelLoader Models => services.GetRequiredService<ModelLoader>();

    public static AgentWorkspace Open(FileInfo manifest, DirectoryInfo store) => new(ManifestLoader.Load(manifest.FullName), store.FullName);

    public void Dispose() => services.Dispose();
}
