using System.Text.Json.Serialization;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Deployment;

/// <summary>The A/B trial's decision on the candidate.</summary>
[JsonConverter(typeof(WireNameConverter<TrialDecision>))]
public enum TrialDecision
{
    /// <summary>The candidate serves from now on.</summary>
    Promote,

    /// <summary>The serving version keeps all traffic; the candidate is set aside.</summary>
    Rollback,
}

/// <summary>Live results of one arm of the A/B trial: requests with feedback and how many it got right.</summary>
public sealed record ArmResult(string VersionId, int Requests, int Samples, int Correct)
{
    public double Value => Samples == 0 ? 0 : (double)Correct / Samples;
}

/// <summary>The A/B trial's verdict.</summary>
public sealed record TrialOutcome(TrialDecision Decision, double CandidateShare, ArmResult Candidate, ArmResult Serving, string Reason)
{
    public bool Promoted => Decision is TrialDecision.Promote;
}

/// <summary>Decides an A/B trial from its arms, by the manifest's promotion rule.</summary>
public static class PromotionPolicy
{
    /// <summary>
    /// One check of a running trial: null (go on) while the candidate has fewer than <c>minimumSamples</c> answers
    /// with labelled feedback and this is not the <paramref name="final"/> check; otherwise <see cref="Decide"/>.
    /// </summary>
    public static TrialOutcome? Check(DeploymentSpec deployment, GoalSpec goal, ArmResult candidate, ArmResult serving, bool final) =>
        candidate.Samples < deployment.MinimumSamples && !final ? null : Decide(deployment, goal, candidate, serving);

    public static TrialOutcome Decide(DeploymentSpec deployment, GoalSpec goal, ArmResult candidate, ArmResult serving)
    {
        TrialOutcome Outcome(bool promote, string reason) =>
            new(promote ? TrialDecision.Promote : TrialDecision.Rollback, deployment.CandidateShare, candidate, serving, reason);

        if (candidate.Samples < deployment.MinimumSamples)
            return Outcome(false, $"the candidate got {candidate.Samples} requests with feedback; the rule needs {deployment.MinimumSamples}");
        var live = $"candidate {candidate.Value:0.000} on {candidate.Samples} vs serving {serving.Value:0.000} on {serving.Samples}";
        return deployment.PromotionRule switch
        {
            PromotionRule.MeetTarget => candidate.Value >= goal.Target
                ? Outcome(true, $"{live}: meets the target {goal.Target:0.00}")
                : Outcome(false, $"{live}: below the target {goal.Target:0.00}"),
            PromotionRule.BeatServing => candidate.Value >= serving.Value
                ? Outcome(true, $"{live}: the candidate is at least as good")
                : Outcome(false, $"{live}: the candidate is worse"),
            var other => throw new ArgumentOutOfRangeException(nameof(deployment), other, "Unknown promotion rule."),
        };
    }

    /// <summary>Whether a request goes to the candidate: a stable hash of (trial, request key), so replays split alike.</summary>
    public static bool RoutesToCandidate(string trialId, string requestKey, double candidateShare) =>
        StableHash.Of($"{trialId}/{requestKey}") % 10_000 < candidateShare * 10_000;
}
