using System.Collections.Concurrent;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Data;

namespace SelfImprove.Steps;

/// <summary>One registered agent: its validated manifest and (loaded on first use) its data sets.</summary>
/// <remarks>
/// Agents whose data come from the same source (the same generator settings, or the same files read the same way) and
/// that list the same labels share one loaded copy of the data sets (<see cref="SharedDatasets"/>): a fleet of agents of
/// one shape holds the data once, not once per agent (1,000 generated agents of the demo agent's shape held 2 GB and
/// spent about 0.1 s each generating it; see docs/benchmarks.md, "Monitoring at fleet scale").
/// </remarks>
public sealed class AgentEntry
{
    private readonly Lazy<AgentDatasets> datasets;

    /// <summary>An agent whose data sets come from <paramref name="shared"/> (loaded there on first use of any agent with the same source).</summary>
    public AgentEntry(LoadedManifest loaded, SharedDatasets shared)
    {
        Loaded = loaded;
        datasets = new Lazy<AgentDatasets>(() => shared.Get(loaded));
        Windows = new ProductionWindows(loaded.Manifest);
    }

    public LoadedManifest Loaded { get; }
    public AgentManifest Manifest => Loaded.Manifest;

    /// <summary>The agent's four data sets (read or generated on first use; shared with agents of the same data source).</summary>
    /// <exception cref="Data.Files.DataFileException">A data file cannot be read.</exception>
    /// <exception cref="InvalidDataException">The data use labels that <c>$.labels</c> does not list.</exception>
    public AgentDatasets Data => datasets.Value;

    /// <summary>How the recorded production stream splits into feedback, unlabelled past and trial traffic.</summary>
    public ProductionWindows Windows { get; }
}

/// <summary>
/// Loaded data sets by their source, so that agents with the same <c>data</c> section (files resolved from the manifest's
/// folder) and the same labels share one copy. Each source is loaded once, on first use, by <see cref="AgentDataLoader"/>
/// (a load that fails fails the same way for every agent of that source, as it would for each agent on its own).
/// </summary>
public sealed class SharedDatasets
{
    private readonly ConcurrentDictionary<SourceKey, Lazy<AgentDatasets>> loaded = new();

    /// <summary>Distinct data sources loaded so far (or loading).</summary>
    public int Count => loaded.Count;

    /// <summary>The data sets of <paramref name="manifest"/>'s source, loaded now if no agent with that source loaded them yet.</summary>
    /// <exception cref="Data.Files.DataFileException">A data file cannot be read.</exception>
    /// <exception cref="InvalidDataException">The data use labels that <c>$.labels</c> does not list.</exception>
    public AgentDatasets Get(LoadedManifest manifest) =>
        loaded.GetOrAdd(SourceKey.Of(manifest), _ => new Lazy<AgentDatasets>(() => AgentDataLoader.Load(manifest))).Value;

    /// <summary>What decides an agent's data sets: the <c>data</c> section, the folder its file paths are relative to, and the labels (checked against the data).</summary>
    private sealed record SourceKey(DataSpec Data, string? Folder, string Labels)
    {
        public static SourceKey Of(LoadedManifest manifest) => new(
            manifest.Manifest.Data,
            manifest.Manifest.Data.Source == DataSourceKind.Files ? manifest.Directory : null,
            string.Join('\n', manifest.Manifest.LabelNames));
    }
}

/// <summary>The agents a host knows, by id: loaded from manifest files at start-up, so a bad manifest fails the start.</summary>
public sealed class AgentCatalog
{
    private readonly ConcurrentDictionary<string, AgentEntry> agents = new(StringComparer.Ordinal);

    /// <summary>The agents of <paramref name="manifests"/>; agents with the same data source share their data sets (<see cref="SharedDatasets"/>).</summary>
    /// <exception cref="InvalidOperationException">Two manifests declare the same agent id.</exception>
    public AgentCatalog(IEnumerable<LoadedManifest> manifests)
    {
        foreach (var loaded in manifests)
        {
            if (!agents.TryAdd(loaded.Manifest.AgentId, new AgentEntry(loaded, Datasets)))
                throw new InvalidOperationException(
                    $"Two manifests declare agent '{loaded.Manifest.AgentId}': {agents[loaded.Manifest.AgentId].Loaded.FilePath} and {loaded.FilePath}.");
        }
    }

    /// <summary>The data sets loaded for the agents, one copy per data source.</summary>
    public SharedDatasets Datasets { get; } = new();

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
