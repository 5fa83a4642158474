using SelfImprove.Core.Alignment;

namespace SelfImprove.Core.Manifests;

/// <summary>A validated manifest with its constitution and the folder its relative paths start from.</summary>
/// <param name="Manifest">The agent's manifest.</param>
/// <param name="Constitution">The constitution σ the manifest names.</param>
/// <param name="FilePath">Full path of the manifest file.</param>
public sealed record LoadedManifest(AgentManifest Manifest, Constitution Constitution, string FilePath)
{
    public string Directory => Path.GetDirectoryName(FilePath)!;

    /// <summary>The constitutions alignment environments name in place of the agent's, by the path the manifest gives.</summary>
    public IReadOnlyDictionary<string, Constitution> EnvironmentConstitutions { get; init; } = new Dictionary<string, Constitution>();

    /// <summary>The constitution an alignment environment is judged under: its own, else the agent's.</summary>
    public Constitution ConstitutionOf(AlignmentEnvironmentSpec environment) =>
        environment.Constitution is { Length: > 0 } path && EnvironmentConstitutions.TryGetValue(path, out var own) ? own : Constitution;

    /// <summary>Resolves a path written in the manifest (relative to its folder).</summary>
    public string Resolve(string relativePath) => Path.GetFullPath(Path.Combine(Directory, relativePath));
}
