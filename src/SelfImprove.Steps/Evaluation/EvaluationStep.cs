using SelfImprove.Core;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Steps;

/// <summary>
/// The evaluation agent: the candidate must meet the goal on the traffic the agent serves now (recent
/// feedback) and stay within the acceptable range on the validation set. Its evidence goes to the next plan.
/// Held-out evaluation-set numbers are computed for the report only; no decision reads them.
/// </summary>
public sealed class EvaluationStep(LoopContext loop) : IEvaluationStep
{
    private const int WeakestIntents = 5;

    /// <summary>Changed answers kept for the approval page.</summary>
    public const int ChangedAnswersShown = 12;

    public async Task<CandidateEvaluation> EvaluateAsync(string agentId, int attempt, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        var entry = loop.Agents.Get(agentId);
        var goal = entry.Manifest.Goal;
        var candidate = await loop.Models.LoadAsync(agentId, candidateVersionId, cancellationToken);
        var sample = entry.Manifest.Monitoring.SampleSize;

        var labelled = await loop.Feedback.RecentLabelledAsync(agentId, sample, cancellationToken);
        var validation = ModelEvaluator.Evaluate(candidate, entry.Data.Validation.Take(sample).ToArray(), cancellationToken).Overall;
        // An agent no caller has given labelled feedback yet is judged on its validation set alone.
        var feedback = labelled.Count > 0 ? ModelEvaluator.Evaluate(candidate, labelled, cancellationToken).Overall : validation;
        var (value, validationValue) = (feedback.Metric(goal.Metric), validation.Metric(goal.Metric));
        var metTarget = value >= goal.Target;
        var keptOld = validationValue >= goal.AcceptableRange.Min;
        var on = labelled.Count > 0 ? $"{feedback.Count} recent feedback items" : "validation (no labelled feedback yet)";
        var verdict = $"{goal.Metric.ToWire()} {value:0.000} on {on} (target {goal.Target:0.00}), " +
                      $"{validationValue:0.000} on validation (minimum {goal.AcceptableRange.Min:0.00})" +
                      (metTarget && keptOld ? ": goal met" : metTarget ? ": forgets the old traffic" : ": below target");

        var evidence = new AttemptEvidence(attempt, candidateVersionId, value, goal.Target,
            feedback.PerIntent.Where(i => i.Support > 0).OrderBy(i => i.F1).Take(WeakestIntents).ToArray(),
            feedback.Confusions);
        var heldOut = await HeldOutAsync(entry, candidate, cancellationToken);
        await RecordAnswerChangesAsync(entry, candidate, labelled.Count > 0 ? (labelled, $"{labelled.Count} recent labelled requests")
            : (entry.Data.Validation.Take(sample).ToArray(), "the validation set (no labelled traffic yet)"), cancellationToken);
        return new CandidateEvaluation(candidateVersionId, metTarget && keptOld, value, validationValue, verdict, evidence, heldOut);
    }

    /// <summary>
    /// The serving version and the candidate on the same requests, with a sample of the answers that change, kept beside the
    /// candidate for the approval page (<see cref="Storage.StoreLayout.VersionAnswerChanges"/>).
    /// </summary>
    private async Task RecordAnswerChangesAsync(AgentEntry entry, Core.Ports.IIntentClassifier candidate,
        (IReadOnlyList<LabeledExample> Requests, string On) compared, CancellationToken cancellationToken)
    {
        var agentId = entry.Manifest.AgentId;
        var serving = await loop.Models.LoadAsync(agentId, await loop.ServingVersionAsync(agentId, cancellationToken), cancellationToken);
        var texts = compared.Requests.Select(r => r.Text).ToArray();
        var changes = AnswerChanges.Compare(compared.On, compared.Requests,
            serving.Predict(texts, cancellationToken).Select(p => p.Intent).ToArray(), candidate.Predict(texts, cancellationToken).Select(p => p.Intent).ToArray(),
            ChangedAnswersShown);
        await loop.Store.WriteAsync(Storage.StoreLayout.VersionAnswerChanges(agentId, candidate.VersionId), Storage.StoreJson.Serialize(changes), cancellationToken);
    }

    /// <summary>Serving before and after the drift point, and the candidate after it, on the evaluation set.</summary>
    private async Task<MetricsReport> HeldOutAsync(AgentEntry entry, Core.Ports.IIntentClassifier candidate, CancellationToken cancellationToken)
    {
        var metric = entry.Manifest.Goal.Metric;
        var serving = await loop.Models.LoadAsync(entry.Manifest.AgentId, await loop.ServingVersionAsync(entry.Manifest.AgentId, cancellationToken), cancellationToken);
        var servingSummary = ModelEvaluator.Evaluate(serving, entry.Data.Evaluation, cancellationToken);
        var candidateSummary = ModelEvaluator.Evaluate(candidate, entry.Data.Evaluation, cancellationToken);
        double Segment(EvaluationSummary s, string name) => s.SegmentOrOverall(name).Metric(metric);
        return new MetricsReport(Segment(servingSummary, Segments.PreDrift), Segment(servingSummary, Segments.PostDrift), Segment(candidateSummary, Segments.PostDrift));
    }
}
