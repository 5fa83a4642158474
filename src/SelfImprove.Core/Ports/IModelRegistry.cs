using SelfImprove.Core.Models;

namespace SelfImprove.Core.Ports;

/// <summary>An agent's model versions and which one serves.</summary>
public interface IModelRegistry
{
    /// <summary>
    /// Stores a new version and returns it with its allocated id. <paramref name="draft"/>'s VersionId is ignored.
    /// </summary>
    Task<ModelVersion> AddAsync(ModelVersion draft, ModelArtifacts artifacts, CancellationToken cancellationToken = default);

    /// <summary>The version's record, or null when the agent has no such version.</summary>
    Task<ModelVersion?> GetAsync(string agentId, string versionId, CancellationToken cancellationToken = default);

    /// <summary>All versions, oldest first.</summary>
    Task<IReadOnlyList<ModelVersion>> ListAsync(string agentId, CancellationToken cancellationToken = default);

    /// <summary>
    /// All versions, oldest first, each with its <see cref="VersionStatus"/>: the serving one, those that served before
    /// (retired), those abandoned (<see cref="MarkAbandonedAsync"/>) and the other candidates. Reads only the agent's
    /// own names: its versions and its serving pointer.
    /// </summary>
    Task<IReadOnlyList<RegisteredVersion>> ListWithStatusAsync(string agentId, CancellationToken cancellationToken = default);

    /// <summary>The version's files.</summary>
    /// <exception cref="KeyNotFoundException">The agent has no such version.</exception>
    /// <exception cref="InvalidDataException">The version's record is there but a file is missing.</exception>
    Task<ModelArtifacts> ReadArtifactsAsync(string agentId, string versionId, CancellationToken cancellationToken = default);

    /// <summary>The serving pointer, or null before the agent's first version serves.</summary>
    Task<ServingState?> GetServingAsync(string agentId, CancellationToken cancellationToken = default);

    /// <summary>Makes <paramref name="versionId"/> the serving version; the current one becomes the previous.</summary>
    /// <exception cref="KeyNotFoundException">The agent has no such version.</exception>
    /// <exception cref="InvalidOperationException">The version is abandoned: its run ended before it could be tried.</exception>
    Task<ServingState> SetServingAsync(string agentId, string versionId, string reason, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks a version abandoned (once: a later mark keeps the first reason), so listings show it as such and it is never
    /// made to serve. A version that serves, or served before, is not marked.
    /// </summary>
    /// <returns>True when the version is abandoned now (marked by this call or before); false when it serves or served.</returns>
    /// <exception cref="KeyNotFoundException">The agent has no such version.</exception>
    Task<bool> MarkAbandonedAsync(string agentId, string versionId, VersionAbandonment abandonment, CancellationToken cancellationToken = default);
}
