using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Ports;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Steps;

/// <summary>
/// Builds the diagnosis (check-set report, the model's view of the agent's unlabelled traffic) and asks the planner.
/// The candidates for labelling are the requests logged since the serving version went live, newest first, at most
/// <see cref="MaxCandidates"/>, less those that came back with feedback (check data), those earlier batches labelled and
/// those that are near copies of held-out texts (curation would drop them).
/// Each candidate carries the diagnosing version's class probabilities and the text encoder's embedding (the same cached
/// encoder the version scored with, so encoding again costs a cache look-up), which the embedding-space selection rules read.
/// </summary>
public sealed class PlanningStep(LoopContext loop, TrainingBatches trainingBatches, IPlanner planner, ITextEncoder encoder, TimeProvider clock) : IPlanningStep
{
    /// <summary>How many of the newest unlabelled requests the planner sees at most: they are all re-scored by the diagnosing model.</summary>
    public const int MaxCandidates = 5000;

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
        var report = ModelEvaluator.Evaluate(classifier, await loop.CheckSetAsync(agentId, cancellationToken), cancellationToken).Overall;

        var candidates = await UnlabelledAsync(agentId, runId, attempt, cancellationToken);
        var texts = candidates.Select(r => r.Text).ToArray();
        var predictions = classifier.Predict(texts, cancellationToken);
        var embeddings = encoder.Encode(texts, cancellationToken);
        var unlabelled = candidates.Select((r, i) => new UnlabelledRequest(
            r.RequestId, r.Text, predictions[i].Intent, predictions[i].RunnerUp, predictions[i].Margin)
        {
            Probabilities = predictions[i].Probabilities,
            Embedding = embeddings[i],
        }).ToArray();
        var trainingExamples = (await loop.Registry.GetAsync(agentId, diagnosing, cancellationToken))?.TrainingSet.Count;

        var context = new PlanningContext(entry.Manifest, attempt, report, unlabelled, previousAttempts, Seed(runId, attempt))
        {
            RunId = runId,
            TrainingExamples = trainingExamples,
        };
        return await planner.PlanAsync(context, cancellationToken);
    }

    /// <summary>Logged requests since the serving version went live that nobody labelled yet, newest <see cref="MaxCandidates"/>, oldest first.</summary>
    private async Task<IReadOnlyList<Core.Traffic.LoggedRequest>> UnlabelledAsync(string agentId, string runId, int attempt, CancellationToken cancellationToken)
    {
        var since = (await loop.Registry.GetServingAsync(agentId, cancellationToken))?.Since ?? DateTimeOffset.MinValue;
        var logged = await loop.Traffic.ReadAsync(agentId, since, clock.GetUtcNow().AddTicks(1), cancellationToken);
        var labelled = (await trainingBatches.EarlierAsync(agentId, runId, attempt, cancellationToken))
            .SelectMany(b => b.LabelledRequests).ToHashSet(StringComparer.Ordinal);
        foreach (var item in await loop.Feedback.SinceAsync(agentId, since, cancellationToken))
            if (item.RequestId is { } id && item.KnownLabel is not null) labelled.Add(id);
        // One text asked many times is one candidate: labelling it twice buys nothing. Nor does labelling a near copy of
        // a held-out text: curation would drop it, and the next plan would pick it again.
        var heldOut = Core.Planning.SampleCurator.HeldOutTest(await loop.HeldOutTextsAsync(agentId, cancellationToken));
        return logged.Where(r => !labelled.Contains(r.RequestId)).Reverse().DistinctBy(r => r.Text).Where(r => !heldOut(r.Text))
            .Take(MaxCandidates).Reverse().ToArray();
    }

    /// <summary>A seed per run and attempt, the same in every process.</summary>
    public static int Seed(string runId, int attempt) => (int)(Core.StableHash.Of($"{runId}/{attempt}") & 0x7FFFFFFF);
}
