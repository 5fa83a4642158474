using SelfImprove.Core.Datasets;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Monitoring;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Steps;

/// <summary>
/// Scores the serving version on validation data and on recent labelled traffic: the newest
/// <c>monitoring.sampleSize</c> feedback items that establish a label (a correction, or a thumbs-up on the answer).
/// Each snapshot of a serving version is stored (<see cref="MonitoringChecks"/>) for the agent page's chart.
/// </summary>
public sealed class MonitoringStep(LoopContext loop, MonitoringChecks checks) : IMonitoringStep
{
    public async Task<MonitoringSnapshot> SnapshotAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var entry = loop.Agents.Get(agentId);
        var metric = entry.Manifest.Goal.Metric;
        var serving = await loop.Registry.GetServingAsync(agentId, cancellationToken);
        if (serving is null) return new MonitoringSnapshot(agentId, null, metric, 0, 0, 0, 0);

        var classifier = await loop.Models.LoadAsync(agentId, serving.VersionId, cancellationToken);
        var sample = entry.Manifest.Monitoring.SampleSize;
        var validation = ModelEvaluator.Evaluate(classifier, entry.Data.Validation.Take(sample).ToArray(), cancellationToken).Overall;
        var feedback = await loop.Feedback.RecentLabelledAsync(agentId, sample, cancellationToken);
        var recent = feedback.Count == 0 ? null : ModelEvaluator.Evaluate(classifier, feedback, cancellationToken).Overall;
        var snapshot = new MonitoringSnapshot(agentId, serving.VersionId, metric,
            validation.Metric(metric), validation.Count, recent?.Metric(metric) ?? 0, recent?.Count ?? 0);
        await checks.RecordAsync(snapshot, cancellationToken);
        return snapshot;
    }
}
