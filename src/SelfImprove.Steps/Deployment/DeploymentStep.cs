using SelfImprove.Core.Datasets;
using SelfImprove.Core.Deployment;
using SelfImprove.Workflows.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// The A/B trial: while it runs, <c>agents/{id}/trial.json</c> tells the <see cref="ServingRouter"/> to send the
/// manifest's share of traffic to the candidate; the serving version answers the rest throughout. On a recorded
/// stream the trial is the stream's later window, whose feedback measures both arms.
/// </summary>
public sealed class DeploymentStep(LoopContext loop, RunLedger ledger) : IDeploymentStep
{
    public async Task<TrialOutcome> TrialAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        await EnsureHoldsLockAsync(runId, agentId, "start an A/B trial", cancellationToken);
        var entry = loop.Agents.Get(agentId);
        var manifest = entry.Manifest;
        var servingId = await loop.ServingVersionAsync(agentId, cancellationToken);
        var trial = new TrialState(runId, candidateVersionId, servingId, manifest.Deployment.CandidateShare);
        await loop.Store.WriteAsync(StoreLayout.Trial(agentId), StoreJson.Serialize(trial), cancellationToken);

        var window = entry.Windows.Trial(entry.Data.Production);
        var toCandidate = window.Where(r => PromotionPolicy.RoutesToCandidate(runId, r.Sequence.ToString(), trial.CandidateShare)).ToArray();
        var toServing = window.Except(toCandidate).ToArray();
        var candidate = await ArmAsync(entry, candidateVersionId, toCandidate, cancellationToken);
        var serving = await ArmAsync(entry, servingId, toServing, cancellationToken);
        return PromotionPolicy.Decide(manifest.Deployment, manifest.Goal, candidate, serving);
    }

    public async Task<string> PromoteAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        await EnsureHoldsLockAsync(runId, agentId, "promote its candidate", cancellationToken);
        // A replayed promotion must not make the candidate its own "previous" version.
        if ((await loop.Registry.GetServingAsync(agentId, cancellationToken))?.VersionId != candidateVersionId)
            await loop.Registry.SetServingAsync(agentId, candidateVersionId, $"promoted by run {runId} after its A/B trial", cancellationToken);
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
    /// a newer run's trial, not even one written between the check and the delete.
    /// </summary>
    private async Task EndTrialAsync(string runId, string agentId, CancellationToken cancellationToken)
    {
        var name = StoreLayout.Trial(agentId);
        if (await loop.Store.ReadVersionedAsync(name, cancellationToken) is { } trial && StoreJson.Deserialize<TrialState>(trial.Content, name).RunId == runId)
            await loop.Store.DeleteIfVersionAsync(name, trial.Version, cancellationToken);
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

    /// <summary>One arm: every routed request is answered; those with feedback are scored.</summary>
    private async Task<ArmResult> ArmAsync(AgentEntry entry, string versionId, IReadOnlyList<ProductionRequest> requests, CancellationToken cancellationToken)
    {
        var model = await loop.Models.LoadAsync(entry.Manifest.AgentId, versionId, cancellationToken);
        var predictions = model.Predict(requests.Select(r => r.Text).ToArray(), cancellationToken);
        var scored = requests.Select((r, i) => (r, p: predictions[i])).Where(x => entry.Windows.HasFeedback(x.r)).ToArray();
        return new ArmResult(versionId, requests.Count, scored.Length, scored.Count(x => x.p.Intent == x.r.TrueLabel));
    }
}
