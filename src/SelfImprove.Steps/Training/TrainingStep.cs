using SelfImprove.Core.Manifests;
using SelfImprove.Workflows.Steps;
using SelfImprove.Learning.Training;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// Trains a candidate on the pool, the batches of the agent's earlier runs and this run's batches,
/// warm-started from the serving version.
/// Once per (run, attempt): the candidate's id is recorded, and a replay returns it instead of training again;
/// a replay after a crash between registering the version and recording it adopts that version.
/// A training that finishes after its run has ended (terminated while it trained, or released) marks its version abandoned,
/// so <c>versions</c> never lists it as a candidate.
/// </summary>
public sealed class TrainingStep(LoopContext loop, TrainingBatches trainingBatches, StudentModelTrainer trainer, RunLedger ledger) : ITrainingStep
{
    public async Task<string> TrainAsync(
        string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken = default)
    {
        var claim = StoreLayout.Candidate(runId, attempt);
        if (await loop.Store.ReadAsync(claim, cancellationToken) is { } recorded) return StoreJson.Deserialize<string>(recorded, claim);
        var createdBy = $"{runId}/attempt-{attempt}";
        if ((await loop.Registry.ListAsync(agentId, cancellationToken)).FirstOrDefault(v => v.CreatedBy == createdBy) is { } registered)
            return await ClaimAsync(runId, agentId, claim, registered.VersionId, cancellationToken);

        var entry = loop.Agents.Get(agentId);
        var examples = new List<Core.Datasets.LabeledExample>(entry.Data.Pool);
        foreach (var earlier in await trainingBatches.EarlierAsync(agentId, runId, attempt: 1, cancellationToken))
            examples.AddRange(earlier.Examples);
        foreach (var name in batchBlobNames)
        {
            var batch = await trainingBatches.ReadAsync(name, cancellationToken)
                ?? throw new InvalidOperationException($"Run {runId}: training batch '{name}' is missing from the store.");
            examples.AddRange(batch.Examples);
        }
        var manifest = entry.Manifest with { Training = entry.Manifest.Training with { HyperParameters = hyperParameters } };
        var parent = await loop.ServingVersionAsync(agentId, cancellationToken);
        var version = await trainer.TrainAsync(new TrainingJob(manifest, examples, entry.Data.Evaluation, parent, createdBy), cancellationToken);
        return await ClaimAsync(runId, agentId, claim, version.VersionId, cancellationToken);
    }

    /// <summary>Records the attempt's candidate once (the first record wins), and abandons it if the run has ended meanwhile.</summary>
    private async Task<string> ClaimAsync(string runId, string agentId, string claim, string versionId, CancellationToken cancellationToken)
    {
        // After registering: a termination recorded before this check is seen here, one recorded after it finds the version.
        await ledger.AbandonIfEndedAsync(agentId, runId, versionId, cancellationToken);
        if (!await loop.Store.TryCreateAsync(claim, StoreJson.Serialize(versionId), cancellationToken))
            return StoreJson.Deserialize<string>((await loop.Store.ReadAsync(claim, cancellationToken))!, claim);
        return versionId;
    }
}
