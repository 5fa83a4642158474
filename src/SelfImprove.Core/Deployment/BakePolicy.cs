using System.Globalization;
using System.Text.Json.Serialization;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Statistics;

namespace SelfImprove.Core.Deployment;

/// <summary>Where a promoted version stands in its bake time (<c>deployment.bakeTime</c>).</summary>
[JsonConverter(typeof(WireNameConverter<BakeState>))]
public enum BakeState
{
    /// <summary>Nothing to watch: no bake time set, or the latest change of the agent was not a promotion after a trial.</summary>
    [JsonStringEnumMemberName("notBaking")] NotBaking,

    /// <summary>Within its bake time, and its live accuracy is not shown below the trial's.</summary>
    [JsonStringEnumMemberName("baking")] Baking,

    /// <summary>Its bake time is over: it stays, watched by monitoring's trigger policy as any serving version.</summary>
    [JsonStringEnumMemberName("baked")] Baked,

    /// <summary>Its live accuracy fell below the trial's: rolled back to the version it was trained from.</summary>
    [JsonStringEnumMemberName("rolledBack")] RolledBack,

    /// <summary>The drop was found, but a run (or a rollback) holds the agent: the next check tries again.</summary>
    [JsonStringEnumMemberName("busy")] Busy,
}

/// <summary>
/// After a promotion, for <c>deployment.bakeTime</c>: is the promoted version's live accuracy (its labelled answers since
/// the promotion) below what its trial measured for it (the candidate arm's labelled answers)? Judged with the trial's
/// own always-valid test (<see cref="SequentialProportionTest.Difference"/> at <c>deployment.alpha</c>, mixing scale
/// <see cref="PromotionPolicy.MixingScale"/>), so monitoring may look at every tick: a drop is called when the upper bound
/// of live − trial is below −<c>deployment.margin</c>, i.e. the version lost more than the margin since its trial with
/// confidence 1 − alpha.
/// </summary>
public static class BakePolicy
{
    /// <summary>The test's bounds on live − trial accuracy, and the reason line when it shows a drop (else null).</summary>
    /// <param name="trialCandidate">The candidate arm at the trial's deciding check (labelled answers and correct ones).</param>
    /// <param name="live">The promoted version's labelled answers since it was promoted, and how many were right.</param>
    /// <exception cref="ArgumentOutOfRangeException">The trial's arm has no labelled answer.</exception>
    public static (SequentialBounds Bounds, string? Drop) Judge(DeploymentSpec deployment, ArmResult trialCandidate, BernoulliCount live)
    {
        var trial = new BernoulliCount(trialCandidate.Samples, trialCandidate.Correct);
        var bounds = SequentialProportionTest.Difference(live, trial, deployment.Alpha, PromotionPolicy.MixingScale(deployment));
        if (bounds.Upper >= -deployment.Margin) return (bounds, null);
        return (bounds, string.Create(CultureInfo.InvariantCulture,
            $"live accuracy {live.Rate:0.000} on {live.Trials} labelled answers since the promotion against {trial.Rate:0.000} on {trial.Trials} in its trial: " +
            $"live − trial {bounds.Estimate:+0.000;−0.000;0.000} [{bounds.Lower:+0.000;−0.000;0.000}, {bounds.Upper:+0.000;−0.000;0.000}] at {(1 - deployment.Alpha) * 100:0.#} %, " +
            $"a drop of more than the margin {deployment.Margin:0.###} within deployment.bakeTime"));
    }
}
