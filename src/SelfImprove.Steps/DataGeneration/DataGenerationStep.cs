using SelfImprove.Core;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// The teachers' part of an attempt. The plan is split into batches of <c>teacher.batchSize</c>: the requests to
/// label (logged traffic) go to the feedback agent, which leaves what it is unsure of to people (the
/// <see cref="LabellingQueue"/>); the generation targets go to the teacher (an offline teacher takes all targets in
/// one batch: it makes no calls). Each batch's output is stored once under the run, attempt and batch; the
/// assembly curates every batch, people's answers to the attempt's queued requests and any demonstrations (no
/// duplicates, nothing close to a held-out text, known labels only) and stores the attempt's training batch once:
/// a replay returns what the first delivery stored.
/// </summary>
public sealed class DataGenerationStep(
    LoopContext loop, TrainingBatches trainingBatches, ITeacher teacher, IFeedbackLabeller labeller, IRunLedger ledger, LabellingQueue queue) : IDataGenerationStep
{
    public async Task<GenerationWork> PrepareAsync(string runId, string agentId, ImprovementPlan plan, CancellationToken cancellationToken = default)
    {
        // Kept only if absent: of two deliveries, the first plan stands (they are the same plan from history anyway).
        await loop.Store.TryCreateAsync(StoreLayout.Plan(runId, plan.Attempt), StoreJson.Serialize(plan), cancellationToken);
        var batches = TeacherBatches.Split(plan, loop.Agents.Get(agentId).Manifest);
        return new GenerationWork(batches.Count, await ledger.UsageAsync(runId, agentId, cancellationToken));
    }

    public async Task<UsageReport> TeachBatchAsync(string runId, string agentId, int attempt, int batch, CancellationToken cancellationToken = default)
    {
        var name = StoreLayout.TeacherBatch(runId, attempt, batch);
        if (await loop.Store.ReadAsync(name, cancellationToken) is null)
        {
            var entry = loop.Agents.Get(agentId);
            var plan = await ReadPlanAsync(runId, attempt, cancellationToken);
            var work = TeacherBatches.Split(plan, entry.Manifest);
            if (batch < 0 || batch >= work.Count) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"attempt {attempt} of run {runId} has {work.Count} teacher batches.");
            var (output, requests) = await RunAsync(runId, entry, plan, work[batch], cancellationToken);
            // Queued before the batch is stored: a replay after a crash in between queues again, which changes nothing.
            // Each item says why it was picked (the plan's selection rule) and why a person is asked (the feedback agent's reason).
            var forPeople = output.ForHumans.Select(t => t with { Reason = $"picked by {plan.SelectionRule.ToWire()} sampling; {t.Reason}" }).ToArray();
            if (forPeople.Length > 0) await queue.EnqueueAsync(agentId, runId, attempt, forPeople, requests, cancellationToken);
            await loop.Store.TryCreateAsync(name, StoreJson.Serialize(output), cancellationToken);
        }
        return await ledger.UsageAsync(runId, agentId, cancellationToken);
    }

    public async Task<DataBatch> AssembleAsync(string runId, string agentId, int attempt, CancellationToken cancellationToken = default)
    {
        var blobName = StoreLayout.Batch(agentId, runId, attempt);
        if (await trainingBatches.ReadAsync(blobName, cancellationToken) is { } stored) return stored.Summary;

        var entry = loop.Agents.Get(agentId);
        var data = entry.Data;
        var plan = await ReadPlanAsync(runId, attempt, cancellationToken);
        var outputs = new List<TeacherBatchOutput>();
        foreach (var name in await loop.Store.ListAsync(StoreLayout.TeacherBatchesPrefix(runId, attempt), cancellationToken))
            outputs.Add(StoreJson.Deserialize<TeacherBatchOutput>((await loop.Store.ReadAsync(name, cancellationToken))!, name));
        var demonstrations = new List<LabeledExample>();
        foreach (var name in await loop.Store.ListAsync(StoreLayout.DemonstrationsPrefix(runId, attempt), cancellationToken))
            demonstrations.AddRange(StoreJson.Deserialize<IReadOnlyList<LabeledExample>>((await loop.Store.ReadAsync(name, cancellationToken))!, name));

        // People's answers to what this attempt queued; an answer that comes after this point waits for a later attempt.
        var queued = outputs.SelectMany(o => o.ForHumans).DistinctBy(t => t.RequestId).ToArray();
        var answers = await queue.AnswersAsync(agentId, queued.Select(t => t.RequestId), cancellationToken);
        var byPeople = LabellingQueue.Examples(queued.Where(t => answers.ContainsKey(t.RequestId)).Select(t => (t.Text, answers[t.RequestId])));
        var labelled = outputs.SelectMany(o => o.Labelled).Concat(byPeople).ToArray();
        var generated = outputs.SelectMany(o => o.Generated).ToArray();
        var notes = outputs.SelectMany(o => o.Notes).ToList();
        var skipped = TeacherBatches.Split(plan, entry.Manifest).Count - outputs.Count;
        if (skipped > 0) notes.Add($"{skipped} teacher batch(es) not run: the run's token budget was spent");

        var earlier = await trainingBatches.EarlierAsync(agentId, runId, attempt, cancellationToken);
        var trainingTexts = data.Pool.Select(e => e.Text).Concat(earlier.SelectMany(b => b.Examples).Select(e => e.Text));
        var heldOut = await loop.HeldOutTextsAsync(agentId, cancellationToken);
        var curated = SampleCurator.Curate([.. labelled, .. generated, .. demonstrations], trainingTexts, heldOut, entry.Manifest.LabelNames.ToHashSet(StringComparer.Ordinal));

        var keptLabelled = curated.Kept.Count(labelled.Contains);
        var keptDemonstrated = curated.Kept.Count(demonstrations.Contains);
        var summary = new DataBatch(blobName, keptLabelled, curated.Kept.Count - keptLabelled - keptDemonstrated,
            curated.Duplicates, curated.Contaminated, curated.Invalid, notes, keptDemonstrated, queued.Length - answers.Count);
        // Requests still waiting for people stay pickable: a later attempt that picks one again takes its late answer.
        var waiting = queued.Select(t => t.RequestId).Where(id => !answers.ContainsKey(id)).ToHashSet(StringComparer.Ordinal);
        var labelledIds = outputs.SelectMany(o => o.Requests).Where(id => !waiting.Contains(id)).ToArray();
        var batch = new StoredBatch(summary, labelledIds, curated.Kept);
        // Created only if absent: of two deliveries of this activity, the first batch stands.
        if (!await loop.Store.TryCreateAsync(blobName, StoreJson.Serialize(batch), cancellationToken))
            return (await trainingBatches.ReadAsync(blobName, cancellationToken))!.Summary;
        return summary;
    }

    private async Task<(TeacherBatchOutput Output, IReadOnlyDictionary<string, RequestToLabel> Requests)> RunAsync(
        string runId, AgentEntry entry, ImprovementPlan plan, TeacherBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Requests.Count > 0)
        {
            var logged = await loop.Traffic.FindAllAsync(entry.Manifest.AgentId, batch.Requests, cancellationToken);
            var requests = logged.Select(r => new RequestToLabel(r.RequestId, r.Text, r.TopK, r.Subject)).ToArray();
            var labels = await labeller.LabelAsync(new LabellingRequest(entry.Manifest, requests, plan.Attempt) { RunId = runId, Batch = batch.Index }, cancellationToken);
            var notes = labels.Notes.ToList();
            if (requests.Length < batch.Requests.Count)
                notes.Add($"{batch.Requests.Count - requests.Length} chosen requests are no longer in the traffic log (erased or past retention)");
            var output = new TeacherBatchOutput(batch.Index, requests.Select(r => r.RequestId).ToArray(), labels.Labelled, [], labels.ForHumans, notes);
            return (output, requests.ToDictionary(r => r.RequestId, StringComparer.Ordinal));
        }
        var part = plan with { LabelRequests = [], Generate = batch.Targets };
        var taught = await teacher.TeachAsync(new TeachingRequest(entry.Manifest, part, PlanningStep.Seed(runId, plan.Attempt))
        {
            RunId = runId, Batch = batch.Index, FirstTarget = batch.FirstTarget,
        }, cancellationToken);
        return (new TeacherBatchOutput(batch.Index, [], taught.Labelled, taught.Generated, [], taught.Notes), new Dictionary<string, RequestToLabel>());
    }

    private async Task<ImprovementPlan> ReadPlanAsync(string runId, int attempt, CancellationToken cancellationToken)
    {
        var name = StoreLayout.Plan(runId, attempt);
        var json = await loop.Store.ReadAsync(name, cancellationToken)
            ?? throw new InvalidDataException($"The plan of attempt {attempt} of run {runId} is missing from the store ({name}); generation starts with PrepareAsync.");
        return StoreJson.Deserialize<ImprovementPlan>(json, name);
    }
}

/// <summary>What one teacher batch produced, as stored before curation.</summary>
/// <param name="Requests">Request ids sent to the feedback agent.</param>
/// <param name="ForHumans">What the feedback agent left for people: queued in the <see cref="LabellingQueue"/>.</param>
public sealed record TeacherBatchOutput(
    int Index, IReadOnlyList<string> Requests, IReadOnlyList<LabeledExample> Labelled, IReadOnlyList<LabeledExample> Generated,
    IReadOnlyList<HumanLabelTask> ForHumans, IReadOnlyList<string> Notes);

/// <summary>One teacher call's worth of an attempt: request ids to label, or generation targets.</summary>
/// <param name="FirstTarget">Position of the first target in the plan.</param>
public sealed record TeacherBatch(int Index, IReadOnlyList<string> Requests, IReadOnlyList<GenerationTarget> Targets, int FirstTarget);

public static class TeacherBatches
{
    /// <summary>
    /// Labelling batches first (the plan's requests in batches of <c>teacher.batchSize</c>), then generation
    /// batches: a target larger than a batch is split; an offline teacher takes every target in one batch.
    /// The same plan and manifest always give the same batches.
    /// </summary>
    public static IReadOnlyList<TeacherBatch> Split(ImprovementPlan plan, AgentManifest manifest)
    {
        var size = manifest.Teacher.BatchSize;
        var batches = new List<TeacherBatch>();
        foreach (var chunk in plan.LabelRequests.Chunk(size))
            batches.Add(new TeacherBatch(batches.Count, chunk, [], 0));
        if (plan.Generate.Count == 0) return batches;
        if (manifest.Teacher.Kind is AgentKind.Offline)
        {
            batches.Add(new TeacherBatch(batches.Count, [], plan.Generate, 0));
            return batches;
        }
        foreach (var (target, index) in plan.Generate.Select((t, i) => (t, i)))
            for (var done = 0; done < target.Count; done += size)
                batches.Add(new TeacherBatch(batches.Count, [], [target with { Count = Math.Min(size, target.Count - done) }], index));
        return batches;
    }
}
