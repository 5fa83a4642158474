using SelfImprove.Core.Datasets;
using SelfImprove.Core.Ports;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>One attempt's curated teacher output as stored: the summary, which requests were labelled, and the samples.</summary>
/// <param name="LabelledRequests">Request ids (traffic log) the attempt had labelled, by the feedback agent or people: never picked again.</param>
public sealed record StoredBatch(Workflows.Steps.DataBatch Summary, IReadOnlyList<string> LabelledRequests, IReadOnlyList<LabeledExample> Examples);

/// <summary>
/// The agent's training batches in the store (<see cref="StoreLayout.Batch"/>, one per run and attempt, created
/// once by <see cref="DataGenerationStep"/>): what planning, curation and training read of what was learnt before.
/// </summary>
public sealed class TrainingBatches(IArtifactStore store)
{
    /// <summary>The batch stored under <paramref name="blobName"/>, or null when there is none.</summary>
    public async Task<StoredBatch?> ReadAsync(string blobName, CancellationToken cancellationToken = default)
    {
        var json = await store.ReadAsync(blobName, cancellationToken);
        return json is null ? null : StoreJson.Deserialize<StoredBatch>(json, blobName);
    }

    /// <summary>
    /// What the agent has learnt before this point: the batches of every earlier run (labels are facts, whatever
    /// became of the run) and of this run's attempts before <paramref name="attempt"/>.
    /// </summary>
    public async Task<IReadOnlyList<StoredBatch>> EarlierAsync(string agentId, string runId, int attempt, CancellationToken cancellationToken = default)
    {
        var names = await store.ListAsync(StoreLayout.BatchesPrefix(agentId), cancellationToken);
        var batches = new List<StoredBatch>();
        foreach (var name in names)
        {
            var earlier = StoreLayout.BatchAttempt(agentId, runId, name) is not { } itsAttempt || itsAttempt < attempt;
            if (earlier && await ReadAsync(name, cancellationToken) is { } batch) batches.Add(batch);
        }
        return batches;
    }

    /// <summary>Every batch the agent's runs have produced.</summary>
    public async Task<IReadOnlyList<StoredBatch>> AllAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var batches = new List<StoredBatch>();
        foreach (var name in await store.ListAsync(StoreLayout.BatchesPrefix(agentId), cancellationToken))
            if (await ReadAsync(name, cancellationToken) is { } batch) batches.Add(batch);
        return batches;
    }
}
