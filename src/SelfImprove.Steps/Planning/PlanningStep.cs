using SelfImprove.Core.Datasets;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Planning;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Steps;

/// <summary>Builds the diagnosis (check-set report, the model's view of unlabelled traffic) and asks the planner.</summary>
public sealed class PlanningStep(LoopContext loop, TrainingBatches trainingBatches, IPlanner planner) : IPlanningStep
{
    public async Task<ImprovementPlan> PlanAsync(
        string runId, string agentId, int attempt, IReadOnlyList<AttemptEvidence> previousAttempts, CancellationToken cancellationToken = default)
    {
        var entry = loop.Agents.Get(agentId);
        // Diagnose with the newest model: it was trained on every label bought so far (earlier attempts, and earlier
        // runs even when their candidate was not promoted), so its uncertainty points at what is still unknown.
        var diagnosing = previousAttempts.LastOrDefault()?.CandidateVersionId
            ?? (await loop.Registry.ListAsync(agentId, cancellationToken)).LastOrDefault()?.VersionId
            ?? await loop.ServingVersionAsync(agentId, cancellationToken);
        var classifier = await loop.Models.LoadAsync(agentId, diagnosing, cancellationToken);
        var report = ModelEvaluator.Evaluate(classifier, loop.CheckSet(agentId), cancellationToken).Overall;

        var labelled = (await trainingBatches.EarlierAsync(agentId, runId, attempt, cancellationToken)).SelectMany(b => b.LabelledRequests).ToHashSet();
        var unlabelled = entry.Windows.Unlabelled(entry.Data.Production).Where(r => !labelled.Contains(r.Sequence)).ToArray();
        var predictions = classifier.Predict(unlabelled.Select(r => r.Text).ToArray(), cancellationToken);
        var candidates = unlabelled.Select((r, i) => new UnlabelledRequest(
            r.Sequence, r.Text, predictions[i].Intent, predictions[i].RunnerUp, predictions[i].Margin)).ToArray();

        var context = new PlanningContext(entry.Manifest, attempt, report, candidates, previousAttempts, Seed(runId, attempt)) { RunId = runId };
        return await planner.PlanAsync(context, cancellationToken);
    }

    /// <summary>A seed per run and attempt, the same in every process.</summary>
    public static int Seed(string runId, int attempt) => (int)(Core.StableHash.Of($"{runId}/{attempt}") & 0x7FFFFFFF);
}
