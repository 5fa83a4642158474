using SelfImprove.Core.Datasets;
using SelfImprove.Core.Ports;
using SelfImprove.Learning.Scoring;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// What every step works with: the agents, the store, the registry and the open models, plus the two questions
/// most steps ask (the check set, the serving version). Blob names are <see cref="StoreLayout"/>'s; training
/// batches are read through <see cref="TrainingBatches"/>.
/// </summary>
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

    /// <summary>The agent's serving version id.</summary>
    /// <exception cref="InvalidOperationException">The agent has no serving version yet.</exception>
    public async Task<string> ServingVersionAsync(string agentId, CancellationToken cancellationToken) =>
        (await registry.GetServingAsync(agentId, cancellationToken))?.VersionId
        ?? throw new InvalidOperationException($"Agent '{agentId}' has no serving version; train one first ('selfimprove train').");
}

/// <summary>An A/B trial in progress: who shares the traffic and how.</summary>
public sealed record TrialState(string RunId, string CandidateVersionId, string ServingVersionId, double CandidateShare);
