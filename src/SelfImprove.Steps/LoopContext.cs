using SelfImprove.Core.Datasets;
using SelfImprove.Core.Ports;
using SelfImprove.Learning.Scoring;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// What every step works with: the agents, the store, the registry, the open models, the agent's own traffic and
/// the feedback on it, plus the questions most steps ask (the check set, what is held out, the serving version).
/// Blob names are <see cref="StoreLayout"/>'s; training batches are read through <see cref="TrainingBatches"/>.
/// </summary>
public sealed class LoopContext(AgentCatalog agents, IArtifactStore store, IModelRegistry registry, ModelLoader models, TrafficLog traffic, FeedbackLog feedback)
{
    public AgentCatalog Agents => agents;
    public IArtifactStore Store => store;
    public IModelRegistry Registry => registry;
    public ModelLoader Models => models;

    /// <summary>Every answer the agent gave (serving and trial arms).</summary>
    public TrafficLog Traffic => traffic;

    /// <summary>Feedback on those answers, by request id.</summary>
    public FeedbackLog Feedback => feedback;

    /// <summary>
    /// The check set: the first <c>monitoring.sampleSize</c> validation examples plus the newest as many items of
    /// labelled feedback on live traffic (what the agent serves now). Monitoring, the evaluation agent and the
    /// alignment probes score on it; nothing trains on it.
    /// </summary>
    public async Task<IReadOnlyList<LabeledExample>> CheckSetAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var entry = agents.Get(agentId);
        var sample = entry.Manifest.Monitoring.SampleSize;
        return [.. entry.Data.Validation.Take(sample), .. await feedback.RecentLabelledAsync(agentId, sample, cancellationToken)];
    }

    /// <summary>
    /// Texts no training batch may hold: the validation and evaluation sets and every request that came back with
    /// labelled feedback (the check data of monitoring, evaluation and the trial).
    /// </summary>
    public async Task<IReadOnlyList<string>> HeldOutTextsAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var data = agents.Get(agentId).Data;
        var checks = await feedback.SinceAsync(agentId, DateTimeOffset.MinValue, cancellationToken);
        return [.. data.Validation.Select(e => e.Text), .. data.Evaluation.Select(e => e.Text), .. checks.Where(f => f.KnownLabel is not null).Select(f => f.Text)];
    }

    /// <summary>The agent's serving version id.</summary>
    /// <exception cref="InvalidOperationException">The agent has no serving version yet.</exception>
    public async Task<string> ServingVersionAsync(string agentId, CancellationToken cancellationToken) =>
        (await registry.GetServingAsync(agentId, cancellationToken))?.VersionId
        ?? throw new InvalidOperationException($"Agent '{agentId}' has no serving version; train one first ('selfimprove train').");
}

/// <summary>An A/B trial in progress: who shares the traffic and how.</summary>
/// <param name="StartedAt">When the trial began (UTC).</param>
/// <param name="Step">The step of a staged rollout (<c>deployment.ramp</c>), 0-based; 0 without a ramp.</param>
/// <param name="StepStartedAt">When the current step began (UTC): its arms are the logged answers since then; null means <paramref name="StartedAt"/>.</param>
public sealed record TrialState(string RunId, string CandidateVersionId, string ServingVersionId, double CandidateShare, DateTimeOffset StartedAt = default,
    int Step = 0, DateTimeOffset? StepStartedAt = null)
{
    /// <summary>Since when the current step's answers count (UTC).</summary>
    public DateTimeOffset CountsFrom => StepStartedAt ?? StartedAt;
}
