using SelfImprove.Core.Datasets;
using SelfImprove.Core.Ports;
using SelfImprove.Learning.Scoring;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>What every step works with: the agents, the store, the registry and the open models.</summary>
public sealed class LoopContext(AgentCatalog agents, IArtifactStore store, IModelRegistry registry, ModelLoader models)
{
    public AgentCatalog Agents => agents;
    public IArtifactStore Store => store;
    public IModelRegistry Registry => registry;
    public ModelLoader Models => models;

    /// <summary>
    /// The check set: the validation set plus the most recent production feedback (the traffic the agent serves
    /// now). Monitoring, the evaluation agent and the alignment probes use it; nothing trains on it.
    /// </summary>
    public IReadOnlyList<LabeledExample> CheckSet(string agentId)
    {
        var entry = agents.Get(agentId);
        var sample = entry.Manifest.Monitoring.SampleSize;
        return [.. entry.Data.Validation.Take(sample), .. entry.Windows.RecentFeedback(entry.Data.Production, sample)];
    }

    public async Task<string> ServingVersionAsync(string agentId, CancellationToken cancellationToken) =>
        (await registry.GetServingAsync(agentId, cancellationToken))?.VersionId
        ?? throw new InvalidOperationException($"Agent '{agentId}' has no serving version; train one first ('selfimprove train').");

    public async Task<StoredBatch?> ReadBatchAsync(string blobName, CancellationToken cancellationToken)
    {
        var json = await store.ReadAsync(blobName, cancellationToken);
        return json is null ? null : StoreJson.Deserialize<StoredBatch>(json, blobName);
    }

    /// <summary>
    /// What the agent has learnt before this point: the batches of every earlier run (labels are facts, whatever
    /// became of the run) and of this run's attempts before <paramref name="attempt"/>.
    /// </summary>
    public async Task<IReadOnlyList<StoredBatch>> EarlierBatchesAsync(string agentId, string runId, int attempt, CancellationToken cancellationToken)
    {
        var names = await store.ListAsync(StoreLayout.BatchesPrefix(agentId), cancellationToken);
        var batches = new List<StoredBatch>();
        foreach (var name in names)
        {
            var earlier = StoreLayout.BatchAttempt(agentId, runId, name) is not { } itsAttempt || itsAttempt < attempt;
            if (earlier && await ReadBatchAsync(name, cancellationToken) is { } batch) batches.Add(batch);
        }
        return batches;
    }

    /// <summary>Every batch the agent's runs have produced.</summary>
    public async Task<IReadOnlyList<StoredBatch>> AllBatchesAsync(string agentId, CancellationToken cancellationToken)
    {
        var batches = new List<StoredBatch>();
        foreach (var name in await store.ListAsync(StoreLayout.BatchesPrefix(agentId), cancellationToken))
            if (await ReadBatchAsync(name, cancellationToken) is { } batch) batches.Add(batch);
        return batches;
    }
}

/// <summary>One attempt's curated teacher output as stored: the summary, which requests were labelled, and the samples.</summary>
public sealed record StoredBatch(Workflows.Steps.DataBatch Summary, IReadOnlyList<long> LabelledRequests, IReadOnlyList<LabeledExample> Examples);

/// <summary>An A/B trial in progress: who shares the traffic and how.</summary>
public sealed record TrialState(string RunId, string CandidateVersionId, string ServingVersionId, double CandidateShare);
