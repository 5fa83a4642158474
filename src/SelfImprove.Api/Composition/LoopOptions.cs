using SelfImprove.Core.Manifests;

namespace SelfImprove.Api.Composition;

/// <summary>Where a host finds its agents and keeps its artefacts. Checked by <see cref="Validate"/> before anything starts.</summary>
public sealed class LoopOptions
{
    /// <summary>The agents this host serves, loaded and validated (see <see cref="ManifestLoader"/>).</summary>
    public IReadOnlyList<LoadedManifest> Agents { get; init; } = [];

    /// <summary>The local artefact store (model versions, batches, run reports), used unless <see cref="ArtifactStore"/> is given.</summary>
    public string StoreDirectory { get; init; } = ".selfimprove";

    /// <summary>Another artefact store, e.g. a <see cref="Storage.BlobArtifactStore"/> so that several processes share artefacts.</summary>
    public Core.Ports.IArtifactStore? ArtifactStore { get; init; }

    /// <summary>The embedding cache; default: <c>{StoreDirectory}/cache/embeddings</c>.</summary>
    public string? EmbeddingCacheDirectory { get; init; }

    /// <summary>Retries, timeouts and key lookup of the LLM agents' clients (used only by manifests with an LLM kind).</summary>
    public Agents.Llm.LlmClientOptions Llm { get; init; } = new();

    /// <summary>Where people reach this host's API (e.g. <c>https://app.azurewebsites.net/</c>), for approval links; relative links when null.</summary>
    public Uri? PublicBaseUrl { get; init; }

    public string CacheDirectory => EmbeddingCacheDirectory ?? Path.Combine(StoreDirectory, "cache", "embeddings");

    public void Validate()
    {
        var problems = new List<string>();
        if (Agents.Count == 0) problems.Add("Agents: give at least one agent manifest (*.agent.json).");
        if (ArtifactStore is null && string.IsNullOrWhiteSpace(StoreDirectory)) problems.Add("StoreDirectory: give the folder of the artefact store.");
        if (PublicBaseUrl is { IsAbsoluteUri: false } or { Scheme: not ("http" or "https") })
            problems.Add($"PublicBaseUrl: '{PublicBaseUrl}' must be an absolute http(s) URL such as https://myapp.azurewebsites.net/.");
        if (problems.Count > 0) throw new InvalidOperationException("The loop cannot start: " + string.Join(" ", problems));
    }
}
