using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SelfImprove.Data;
using SelfImprove.Learning.Embeddings;
using SelfImprove.Learning.Scoring;
using SelfImprove.Learning.Training;
using SelfImprove.Storage;

namespace SelfImprove.Cli;

/// <summary>One agent's manifest, data and model store, wired up for a command.</summary>
public sealed class AgentWorkspace : IDisposable
{
    private readonly MiniLmTextEncoder miniLm;
    private readonly Lazy<AgentDatasets> datasets;

    private AgentWorkspace(LoadedManifest loaded, string storeDirectory)
    {
        Loaded = loaded;
        var store = new LocalArtifactStore(storeDirectory);
        Registry = new ArtifactModelRegistry(store, TimeProvider.System);
        miniLm = new MiniLmTextEncoder(loaded.Manifest.Training.Compute);
        var cache = new EmbeddingCache(miniLm.ModelId, miniLm.Dimension, Path.Combine(store.RootDirectory, "cache", "embeddings"));
        Encoder = new CachingTextEncoder(miniLm, cache);
        Trainer = new StudentModelTrainer(Encoder, Registry, TimeProvider.System);
        Models = new ModelLoader(Registry, Encoder);
        datasets = new Lazy<AgentDatasets>(() => AgentDataLoader.Load(loaded));
    }

    public LoadedManifest Loaded { get; }
    public AgentManifest Manifest => Loaded.Manifest;
    public AgentDatasets Datasets => datasets.Value;
    public IModelRegistry Registry { get; }
    public ITextEncoder Encoder { get; }
    public StudentModelTrainer Trainer { get; }
    public ModelLoader Models { get; }

    public static AgentWorkspace Open(FileInfo manifest, DirectoryInfo store) => new(ManifestLoader.Load(manifest.FullName), store.FullName);

    public void Dispose() => miniLm.Dispose();
}
