using System.Collections.Concurrent;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Data;

namespace SelfImprove.Steps;

/// <summary>One registered agent: its validated manifest and (loaded on first use) its data sets.</summary>
public sealed class AgentEntry(LoadedManifest loaded)
{
    private readonly Lazy<AgentDatasets> datasets = new(() => AgentDataLoader.Load(loaded));

    public LoadedManifest Loaded => loaded;
    public AgentManifest Manifest => loaded.Manifest;
    public AgentDatasets Data => datasets.Value;

    /// <summary>How the recorded production stream splits into feedback, unlabelled past and trial traffic.</summary>
    public ProductionWindows Windows { get; } = new(loaded.Manifest);
}

/// <summary>The agents a host knows, by id: loaded from manifest files at start-up, so a bad manifest fails the start.</summary>
public sealed class AgentCatalog
{
    private readonly ConcurrentDictionary<string, AgentEntry> agents = new(StringComparer.Ordinal);

    public AgentCatalog(IEnumerable<LoadedManifest> manifests)
    {
        foreach (var loaded in manifests)
        {
            if (!agents.TryAdd(loaded.Manifest.AgentId, new AgentEntry(loaded)))
                throw new InvalidOperationException(
                    $"Two manifests declare agent '{loaded.Manifest.AgentId}': {agents[loaded.Manifest.AgentId].Loaded.FilePath} and {loaded.FilePath}.");
        }
    }

    /// <summary>Every <c>*.agent.json</c> in a folder.</summary>
    public static AgentCatalog FromFolder(string folder) =>
        new(ManifestLoader.LoadFolder(folder));

    public IReadOnlyCollection<string> AgentIds => agents.Keys.Order(StringComparer.Ordinal).ToArray();

    public bool Contains(string agentId) => agents.ContainsKey(agentId);

    public AgentEntry Get(string agentId) =>
        agents.TryGetValue(agentId, out var entry)
            ? entry
            : throw new KeyNotFoundException($"No agent '{agentId}' is registered; known agents: {string.Join(", ", AgentIds)}.");
}
