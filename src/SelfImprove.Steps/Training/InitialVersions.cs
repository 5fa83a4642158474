using SelfImprove.Core.Deployment;
using SelfImprove.Core.Models;
using SelfImprove.Core.Ports;
using SelfImprove.Learning.Training;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// An agent's first version: trained on its labelled pool (from scratch, evaluated on the evaluation set) and made
/// the serving version, as a deployed agent would have one. Improvement runs start from there. <c>selfimprove
/// train</c> calls <see cref="TrainAsync"/>; hosts call <see cref="EnsureAsync"/> at start-up.
/// </summary>
/// <remarks>Each version it makes serve is recorded once in the promotion ledger (<see cref="DeploymentLedger"/>, key <c>initial-{versionId}</c>).</remarks>
public sealed class InitialVersions(AgentCatalog agents, IModelRegistry registry, IArtifactStore store, StudentModelTrainer trainer, TimeProvider clock,
    DeploymentLedger deployments)
{
    /// <summary>How long an initial-version claim of another host counts before it is taken to be from a host that died while training.</summary>
    public static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(15);

    /// <summary>Trains a version on the agent's pool and makes it serve, whatever served before.</summary>
    /// <param name="createdBy">Provenance kept with the version, e.g. <c>cli:train</c>.</param>
    /// <param name="reason">Why it serves, kept with the serving pointer.</param>
    /// <exception cref="KeyNotFoundException">The agent is not registered.</exception>
    public async Task<ModelVersion> TrainAsync(string agentId, string createdBy, string reason, CancellationToken cancellationToken = default)
    {
        var entry = agents.Get(agentId);
        var version = await trainer.TrainAsync(
            new TrainingJob(entry.Manifest, entry.Data.Pool, entry.Data.Evaluation, ParentVersionId: null, createdBy), cancellationToken);
        var serving = await registry.SetServingAsync(agentId, version.VersionId, reason, cancellationToken);
        await deployments.RecordAsync(agentId, $"initial-{version.VersionId}", new DeploymentRecord(DeploymentChange.Initial, serving.Since, version.VersionId,
            serving.PreviousVersionId, null, null, null, null, reason, createdBy), cancellationToken);
        return version;
    }

    /// <summary>
    /// Trains the first version when the agent has none. A marker (create-if-absent) keeps two hosts sharing a store
    /// from both training one; a marker older than <see cref="Abandoned"/> with still no version is taken over.
    /// </summary>
    /// <returns>The version trained now, or null when the agent already had one (or another host is training it).</returns>
    public async Task<ModelVersion?> EnsureAsync(string agentId, string createdBy, CancellationToken cancellationToken = default)
    {
        if (await registry.GetServingAsync(agentId, cancellationToken) is not null) return null;
        var marker = StoreLayout.InitialVersion(agentId);
        var now = clock.GetUtcNow();
        if (!await store.TryCreateAsync(marker, StoreJson.Serialize(new TrainingClaim(createdBy, now)), cancellationToken))
        {
            // Taking over an abandoned claim rewrites it If-Match the version read: of two hosts taking it over, one trains.
            if (await store.ReadVersionedAsync(marker, cancellationToken) is not { } read) return null;
            if (now - StoreJson.Deserialize<TrainingClaim>(read.Content, marker).At < Abandoned) return null;
            if (await store.WriteIfVersionAsync(marker, StoreJson.Serialize(new TrainingClaim(createdBy, now)), read.Version, cancellationToken) is null) return null;
        }
        return await TrainAsync(agentId, createdBy, $"initial version ({createdBy})", cancellationToken);
    }

    private sealed record TrainingClaim(string By, DateTimeOffset At);
}
