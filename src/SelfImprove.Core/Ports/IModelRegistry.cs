using SelfImprove.Core.Models;

namespace SelfImprove.Core.Ports;

/// <summary>An agent's model versions and which one serves.</summary>
public interface IModelRegistry
{
    /// <summary>
    /// Stores a new version and returns it with its allocated id. <paramref name="draft"/>'s VersionId is ignored.
    /// </summary>
    Task<ModelVersion> AddAsync(ModelVersion draft, ModelArtifacts artifacts, CancellationToken cancellationToken = default);
    Task<ModelVersion?> GetAsync(string agentId, string versionId, CancellationToken cancellationToken = default);

    /// <summary>All versions, oldest first.</summary>
    Task<IReadOnlyList<ModelVersion>> ListAsync(string agentId, CancellationToken cancellationToken = default);
    Task<ModelArtifacts> ReadArtifactsAsync(string agentId, string versionId, CancellationToken cancellationToken = default);
    Task<ServingState?> GetServingAsync(string agentId, CancellationToken cancellationToken = default);

    /// <summary>Makes <paramref name="versionId"/> the serving version; the current one becomes the previous.</summary>
    Task<ServingState> SetServingAsync(string agentId, string versionId, string reason, CancellationToken cancellationToken = default);
}
