using SelfImprove.Core.Alignment;
using SelfImprove.Core.Evaluation;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Steps;

/// <summary>
/// The alignment gate: measures D(σ, π) of the candidate and of the serving version on the same probes (the
/// check set, whose true intents are known) and judges the candidate by the manifest's threshold and V'.
/// </summary>
public sealed class AlignmentStep(LoopContext loop) : IAlignmentStep
{
    public async Task<AlignmentAssessment> AssessAsync(string agentId, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        var entry = loop.Agents.Get(agentId);
        var manifest = entry.Manifest;
        var probes = await loop.CheckSetAsync(agentId, cancellationToken);
        var actions = manifest.Labels.ToDictionary(l => l.Name, l => l.Action, StringComparer.Ordinal);

        (double Distance, double Value) Measure(Core.Ports.IIntentClassifier model)
        {
            var predictions = model.Predict(probes.Select(p => p.Text).ToArray(), cancellationToken);
            var distance = AlignmentMath.Distance(entry.Loaded.Constitution, model.Labels, actions,
                probes.Select((p, i) => new AlignmentProbe(p.Label, predictions[i].Probabilities)).ToArray(), manifest.Alignment.Epsilon);
            var classIndex = ModelEvaluator.ClassIndex(model.Labels);
            var value = ClassificationMetrics.Compute(model.Labels, probes.Select(p => classIndex[p.Label]).ToArray(), predictions).Metric(manifest.Goal.Metric);
            return (distance, value);
        }

        var candidate = Measure(await loop.Models.LoadAsync(agentId, candidateVersionId, cancellationToken));
        var serving = Measure(await loop.Models.LoadAsync(agentId, await loop.ServingVersionAsync(agentId, cancellationToken), cancellationToken));
        var assessment = AlignmentAssessment.Judge(candidate.Distance, candidate.Value, serving.Distance, serving.Value, manifest.Alignment.MaxDistance);
        // Kept beside the candidate, so the approval page shows the gate's figures while the run waits.
        await loop.Store.WriteAsync(Storage.StoreLayout.VersionAlignment(agentId, candidateVersionId), Storage.StoreJson.Serialize(assessment), cancellationToken);
        return assessment;
    }
}
