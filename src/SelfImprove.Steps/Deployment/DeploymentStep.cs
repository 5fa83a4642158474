using SelfImprove.Core.Deployment;
using SelfImprove.Core.Traffic;
using SelfImprove.Workflows.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// The A/B trial on live traffic: while it runs, <c>agents/{id}/trial.json</c> tells the <see cref="ServingRouter"/> to
/// send the manifest's share of requests to the candidate; the serving version answers the rest throughout. Each
/// check scores both arms on the answers logged since the trial started and the labelled feedback on them.
/// </summary>
public sealed class DeploymentStep(LoopContext loop, RunLedger ledger, ServingPointers pointers, TimeProvider clock) : IDeploymentStep
{
    public async Task StartTrialAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        await EnsureHoldsLockAsync(runId, agentId, "start an A/B trial", cancellationToken);
        // A replayed start keeps the first start's time, so the arms are counted from when traffic first split.
        if (await ReadTrialAsync(agentId, cancellationToken) is { } running && running.RunId == runId && running.CandidateVersionId == candidateVersionId) return;
        var manifest = loop.Agents.Get(agentId).Manifest;
        var servingId = await loop.ServingVersionAsync(agentId, cancellationToken);
        var trial = new TrialState(runId, candidateVersionId, servingId, manifest.Deployment.CandidateShare, clock.GetUtcNow());
        await loop.Store.WriteAsync(StoreLayout.Trial(agentId), StoreJson.Serialize(trial), cancellationToken);
        pointers.Invalidate(agentId);
    }

    public async Task<TrialOutcome?> CheckTrialAsync(string runId, string agentId, string candidateVersionId, bool final, CancellationToken cancellationToken = default)
    {
        var manifest = loop.Agents.Get(agentId).Manifest;
        var trial = await ReadTrialAsync(agentId, cancellationToken);
        if (trial is null || trial.RunId != runId)
            throw new InvalidOperationException($"Run {runId} has no A/B trial running for agent '{agentId}' (it was ended or replaced).");

        var answers = await loop.Traffic.ReadAsync(agentId, trial.StartedAt, clock.GetUtcNow().AddTicks(1), cancellationToken);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in await loop.Feedback.SinceAsync(agentId, trial.StartedAt, cancellationToken))
            if (item.RequestId is { } id && item.KnownLabel is { } label) labels.TryAdd(id, label);

        ArmResult Arm(string versionId, Arm arm)
        {
            var routed = answers.Where(a => a.Arm == arm && a.VersionId == versionId).ToArray();
            var scored = routed.Where(a => labels.ContainsKey(a.RequestId)).ToArray();
            return new ArmResult(versionId, routed.Length, scored.Length, scored.Count(a => a.Intent == labels[a.RequestId]));
        }
        return PromotionPolicy.Check(manifest.Deployment, manifest.Goal,
            Arm(candidateVersionId, Core.Traffic.Arm.Candidate), Arm(trial.ServingVersionId, Core.Traffic.Arm.Serving), final);
    }

    public async Task<string> PromoteAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        await EnsureHoldsLockAsync(runId, agentId, "promote its candidate", cancellationToken);
        // A replayed promotion must not make the candidate its own "previous" version.
        if ((await loop.Registry.GetServingAsync(agentId, cancellationToken))?.VersionId != candidateVersionId)
        {
            var loaded = loop.Agents.Get(agentId).Loaded;
            await loop.Registry.SetServingAsync(agentId, candidateVersionId,
                $"promoted by run {runId} after its A/B trial; alignment thresholds version {loaded.Manifest.Alignment.Version}, constitution version {loaded.Constitution.Version}",
                cancellationToken);
        }
        await EndTrialAsync(runId, agentId, cancellationToken);
        return candidateVersionId;
    }

    public async Task<string> RollbackAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        await EndTrialAsync(runId, agentId, cancellationToken);
        return await loop.ServingVersionAsync(agentId, cancellationToken);
    }

    /// <summary>
    /// Deletes the trial only if it is this run's, If-Match the version read: a late rollback of an old run must not end
    /// a newer run's trial, not even one written between the check and the delete. The router sees the change at once.
    /// </summary>
    private async Task EndTrialAsync(string runId, string agentId, CancellationToken cancellationToken)
    {
        var name = StoreLayout.Trial(agentId);
        if (await loop.Store.ReadVersionedAsync(name, cancellationToken) is { } trial && StoreJson.Deserialize<TrialState>(trial.Content, name).RunId == runId)
            await loop.Store.DeleteIfVersionAsync(name, trial.Version, cancellationToken);
        pointers.Invalidate(agentId);
    }

    private async Task<TrialState?> ReadTrialAsync(string agentId, CancellationToken cancellationToken)
    {
        var json = await loop.Store.ReadAsync(StoreLayout.Trial(agentId), cancellationToken);
        return json is null ? null : StoreJson.Deserialize<TrialState>(json, StoreLayout.Trial(agentId));
    }

    /// <summary>
    /// A terminated run's queued activities still run once: they must not touch live traffic. Only the run that holds
    /// the agent's lock may start a trial or promote.
    /// </summary>
    private async Task EnsureHoldsLockAsync(string runId, string agentId, string what, CancellationToken cancellationToken)
    {
        if ((await ledger.RunningAsync(agentId, cancellationToken))?.RunId != runId)
            throw new InvalidOperationException($"Run {runId} no longer holds agent '{agentId}' (terminated or released), so it may not {what}.");
    }
}
