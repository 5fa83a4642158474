using SelfImprove.Core.Alignment;

namespace SelfImprove.Core.Manifests;

/// <summary>A validated manifest with its constitution and the folder its relative paths start from.</summary>
/// <param name="Manifest">The agent's manifest.</param>
/// <param name="Constitution">The constitution σ the manifest names.</param>
/// <param name="FilePath">Full path of the manifest file.</param>
public sealed record LoadedManifest(AgentManifest Manifest, Constitution Constitution, string FilePath)
{
    public string Directory => Path.GetDirectoryName(FilePath)!;

    /// <summary>Resolves a path written in the manifest (relative to its folder).</summary>
    public string Resolve(string relativePath) => Path.GetFullPath(Path.Combine(Directory, relativePath));
}
