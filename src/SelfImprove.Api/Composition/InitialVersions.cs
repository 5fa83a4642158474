using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core.Models;
using SelfImprove.Core.Ports;
using SelfImprove.Learning.Training;
using SelfImprove.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Api.Composition;

/// <summary>
/// A newly registered agent has no model: its first version is trained on the labelled pool and serves, as a
/// deployed agent would. Improvement runs start from there. A marker (create-if-absent) keeps two hosts sharing
/// a store from both training one; a marker older than <see cref="Abandoned"/> with still no version is taken to be
/// from a host that died while training, and another host trains instead.
/// </summary>
public static class InitialVersions
{
    public static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(15);

    /// <returns>The version trained now, or null when the agent already had one (or another host is training it).</returns>
    public static async Task<ModelVersion?> EnsureAsync(IServiceProvider services, string agentId, string createdBy, CancellationToken cancellationToken = default)
    {
        var registry = services.GetRequiredService<IModelRegistry>();
        if (await registry.GetServingAsync(agentId, cancellationToken) is not null) return null;
        var store = services.GetRequiredService<IArtifactStore>();
        var marker = StoreLayout.InitialVersion(agentId);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (!await store.TryCreateAsync(marker, StoreJson.Serialize(new TrainingClaim(createdBy, now)), cancellationToken))
        {
            var claim = await store.ReadAsync(marker, cancellationToken) is { } json ? StoreJson.Deserialize<TrainingClaim>(json, marker) : null;
            if (claim is not null && now - claim.At < Abandoned) return null;
            await store.WriteAsync(marker, StoreJson.Serialize(new TrainingClaim(createdBy, now)), cancellationToken);
        }

        var entry = services.GetRequiredService<AgentCatalog>().Get(agentId);
        var version = await services.GetRequiredService<StudentModelTrainer>().TrainAsync(
            new TrainingJob(entry.Manifest, entry.Data.Pool, entry.Data.Evaluation, null, createdBy), cancellationToken);
        await registry.SetServingAsync(agentId, version.VersionId, $"initial version ({createdBy})", cancellationToken);
        return version;
    }

    private sealed record TrainingClaim(string By, DateTimeOffset At);
}
