using SelfImprove.Core.Datasets;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// Has the teacher label the plan's requests and write its samples, curates them (no duplicates, nothing from a
/// held-out set, known labels only) and stores the batch once per (run, attempt): a replay returns the stored batch.
/// </summary>
public sealed class DataGenerationStep(LoopContext loop, ITeacher teacher) : IDataGenerationStep
{
    public async Task<DataBatch> GenerateAsync(string runId, string agentId, ImprovementPlan plan, CancellationToken cancellationToken = default)
    {
        var blobName = LoopContext.BatchName(agentId, runId, plan.Attempt);
        if (await loop.ReadBatchAsync(blobName, cancellationToken) is { } stored) return stored.Summary;

        var entry = loop.Agents.Get(agentId);
        var data = entry.Data;
        var bySequence = data.Production.ToDictionary(r => r.Sequence);
        var toLabel = plan.LabelRequests.Where(bySequence.ContainsKey).Select(s => bySequence[s]).ToArray();
        var taught = await teacher.TeachAsync(new TeachingRequest(entry.Manifest, plan, toLabel, PlanningStep.Seed(runId, plan.Attempt)), cancellationToken);

        var earlier = await loop.EarlierBatchesAsync(agentId, runId, plan.Attempt, cancellationToken);
        var trainingTexts = data.Pool.Select(e => e.Text).Concat(earlier.SelectMany(b => b.Examples).Select(e => e.Text));
        // Held out: everything the loop measures on. Feedback and the trial window are live evidence, not training data.
        var heldOut = data.Validation.Concat(data.Evaluation).Select(e => e.Text)
            .Concat(data.Production.Where(entry.Windows.HasFeedback).Select(r => r.Text))
            .Concat(entry.Windows.Trial(data.Production).Select(r => r.Text));
        var labels = entry.Manifest.LabelNames.ToHashSet(StringComparer.Ordinal);
        var curated = SampleCurator.Curate([.. taught.Labelled, .. taught.Generated], trainingTexts, heldOut, labels);

        var keptLabelled = curated.Kept.Count(e => taught.Labelled.Contains(e));
        var summary = new DataBatch(blobName, keptLabelled, curated.Kept.Count - keptLabelled,
            curated.Duplicates, curated.Contaminated, curated.Invalid, taught.Notes);
        var batch = new StoredBatch(summary, toLabel.Select(r => r.Sequence).ToArray(), curated.Kept);
        // Created only if absent: of two deliveries of this activity, the first batch stands.
        if (!await loop.Store.TryCreateAsync(blobName, StoreJson.Serialize(batch), cancellationToken))
            return (await loop.ReadBatchAsync(blobName, cancellationToken))!.Summary;
        return summary;
    }
}
