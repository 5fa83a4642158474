using SelfImprove.Core.Deployment;
using SelfImprove.Core.Evaluation;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>An answer to a live request, with the version that gave it.</summary>
public sealed record RoutedPrediction(string VersionId, IntentPrediction Prediction, string Action);

/// <summary>
/// Answers live requests: with the serving version, or, while an A/B trial runs, with the candidate for its share
/// of requests (split by a stable hash of the text). Training and evaluation never block it. A trial left behind by
/// a run that no longer holds the agent (terminated) is ignored.
/// </summary>
public sealed class ServingRouter(LoopContext loop, RunLedger ledger)
{
    public async Task<RoutedPrediction> PredictAsync(string agentId, string text, CancellationToken cancellationToken = default)
    {
        var manifest = loop.Agents.Get(agentId).Manifest;
        var trialJson = await loop.Store.ReadAsync(StoreLayout.Trial(agentId), cancellationToken);
        var trial = trialJson is null ? null : StoreJson.Deserialize<TrialState>(trialJson, StoreLayout.Trial(agentId));
        if (trial is not null && (await ledger.RunningAsync(agentId, cancellationToken))?.RunId != trial.RunId) trial = null;
        var versionId = trial is not null && PromotionPolicy.RoutesToCandidate(trial.RunId, text, trial.CandidateShare)
            ? trial.CandidateVersionId
            : await loop.ServingVersionAsync(agentId, cancellationToken);
        var model = await loop.Models.LoadAsync(agentId, versionId, cancellationToken);
        var prediction = model.Predict([text], cancellationToken)[0];
        return new RoutedPrediction(versionId, prediction, manifest.Labels.First(l => l.Name == prediction.Intent).Action);
    }
}
