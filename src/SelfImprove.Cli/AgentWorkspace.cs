using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SelfImprove.Learning.Scoring;
using SelfImprove.Steps;

namespace SelfImprove.Cli;

/// <summary>
/// One agent's manifest, data and model store for the model commands (<c>train</c>, <c>predict</c>, <c>evaluate</c>,
/// <c>versions</c>): only the model services (<see cref="LoopServices.AddModelServices"/>), wired as the hosts wire them;
/// no durable engine, HTTP or LLM client.
/// </summary>
public sealed class AgentWorkspace : IDisposable
{
    private readonly ServiceProvider services;

    private AgentWorkspace(LoadedManifest loaded, string storeDirectory)
    {
        Loaded = loaded;
        services = new ServiceCollection()
            .AddModelServices(o =>
            {
                o.Agents = [loaded];
                o.StoreDirectory = storeDirectory;
            })
            .AddServingPath()
            .BuildServiceProvider();
    }

    public LoadedManifest Loaded { get; }
    public AgentManifest Manifest => Loaded.Manifest;
    public AgentDatasets Datasets => services.GetRequiredService<AgentCatalog>().Get(Manifest.AgentId).Data;
    public IModelRegistry Registry => services.GetRequiredService<IModelRegistry>();
    public ModelLoader Models => services.GetRequiredService<ModelLoader>();
    public InitialVersions InitialVersions => services.GetRequiredService<InitialVersions>();

    /// <summary>The serving path: answers as <c>serve</c> gives them, kept in the traffic log.</summary>
    public ServingRouter Router => services.GetRequiredService<ServingRouter>();

    /// <summary>The agent's traffic log (flush it before the command ends).</summary>
    public TrafficLog Traffic => services.GetRequiredService<TrafficLog>();

    /// <summary>The container's services (tests check what the model commands build).</summary>
    public IServiceProvider Services => services;

    public static AgentWorkspace Open(FileInfo manifest, DirectoryInfo store) => new(ManifestLoader.Load(manifest.FullName), store.FullName);

    public void Dispose() => services.Dispose();
}
