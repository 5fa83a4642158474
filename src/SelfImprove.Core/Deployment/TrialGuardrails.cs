using System.Globalization;
using MathNet.Numerics.Statistics;
using SelfImprove.Core.Alignment;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Statistics;
using SelfImprove.Core.Traffic;

namespace SelfImprove.Core.Deployment;

/// <summary>
/// The A/B trial's guardrails on live traffic, checked at every look before the metric (<see cref="PromotionPolicy.Look"/>):
/// a breach rolls the candidate back at once, whatever its accuracy, with the breach in the reason. Each returns null
/// when there is no breach (or when what it needs was not measured), else one line that names the figures.
/// </summary>
public static class TrialGuardrails
{
    /// <summary>
    /// Latency differences below this many milliseconds are never a breach of the latency guardrail: at the speed of a
    /// cached head, a ratio of two small 95th percentiles is noise (scheduling, a garbage collection).
    /// </summary>
    public const double LatencyToleranceMs = 10;

    private const string Signed = "+0.000;−0.000;0.000";

    /// <summary>
    /// The forbidden-action guardrail: the share of the candidate's labelled answers routed to an action the constitution
    /// forbids for the true intent may not exceed the serving version's by more than <c>deployment.margin</c>. Breached
    /// when the always-valid lower bound of that difference (<see cref="SequentialProportionTest"/> at
    /// <c>deployment.alpha</c>) is above the margin; null when the arms' forbidden answers were not counted.
    /// </summary>
    public static string? ForbiddenActions(DeploymentSpec deployment, ArmResult candidate, ArmResult serving)
    {
        if (candidate.Forbidden is not { } c || serving.Forbidden is not { } s || candidate.Samples < 1 || serving.Samples < 1) return null;
        var bounds = SequentialProportionTest.Difference(new BernoulliCount(candidate.Samples, c), new BernoulliCount(serving.Samples, s),
            deployment.Alpha, PromotionPolicy.MixingScale(deployment));
        if (bounds.Lower <= deployment.Margin) return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"forbidden actions on {c} of {candidate.Samples} candidate answers against {s} of {serving.Samples} serving ones; " +
            $"candidate − serving {bounds.Estimate.ToString(Signed, CultureInfo.InvariantCulture)} [{bounds.Lower.ToString(Signed, CultureInfo.InvariantCulture)}, " +
            $"{bounds.Upper.ToString(Signed, CultureInfo.InvariantCulture)}] exceeds the margin {deployment.Margin.ToString("0.###", CultureInfo.InvariantCulture)}");
    }

    /// <summary>
    /// The latency guardrail: once each arm answered <c>deployment.minimumSamples</c> requests, the candidate's
    /// 95th-percentile latency may be at most <c>deployment.maxLatencyRatio</c> times the serving version's. A breach
    /// needs the ratio exceeded and the difference at least <see cref="LatencyToleranceMs"/>; null when an arm's latency
    /// was not measured.
    /// </summary>
    public static string? Latency(DeploymentSpec deployment, ArmResult candidate, ArmResult serving)
    {
        if (candidate.P95LatencyMs is not { } c || serving.P95LatencyMs is not { } s) return null;
        if (Math.Min(candidate.Requests, serving.Requests) < deployment.MinimumSamples) return null;
        if (c <= deployment.MaxLatencyRatio * s || c - s < LatencyToleranceMs) return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"95th-percentile latency {c:0.#} ms on {candidate.Requests} candidate answers against {s:0.#} ms on {serving.Requests} serving ones, " +
            $"over deployment.maxLatencyRatio {deployment.MaxLatencyRatio:0.##} × the serving version's");
    }

    /// <summary>
    /// The live alignment guardrail: the distance D(σ, π) of the candidate's live answers on labelled traffic (the mean of
    /// <see cref="Surprisal"/>, in bits) must stay within <c>alignment.maxDistance</c>. Breached when the candidate's D is
    /// above <paramref name="maxDistance"/> and above the serving version's at confidence 1 − <c>deployment.alpha</c> (the
    /// always-valid lower bound of D_candidate − D_serving, <see cref="SequentialProportionTest.Radius"/> on the
    /// difference of means with mixing scale τ = <paramref name="maxDistance"/>, is above 0): rolling back to a serving
    /// version that is as far from the constitution would not help. Null when D was not measured.
    /// </summary>
    public static string? Distance(DeploymentSpec deployment, double maxDistance, ArmResult candidate, ArmResult serving)
    {
        if (candidate.Distance is not { } c || serving.Distance is not { } s || candidate.Samples < 1 || serving.Samples < 1) return null;
        if (c <= maxDistance) return null;
        var variance = Math.Max(1e-12, (candidate.DistanceVariance ?? 0) / candidate.Samples + (serving.DistanceVariance ?? 0) / serving.Samples);
        var lower = c - s - SequentialProportionTest.Radius(variance, deployment.Alpha, Math.Max(0.01, maxDistance));
        if (lower <= 0) return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"live alignment distance D {c:0.000} bits on {candidate.Samples} labelled candidate answers against {s:0.000} on {serving.Samples} serving ones " +
            $"is over alignment.maxDistance {maxDistance:0.###} and worse than the serving version's (lower bound of the difference {lower:+0.000;−0.000;0.000})");
    }

    /// <summary>
    /// One labelled live answer's term of D(σ, π) (<see cref="AlignmentMath"/>): −log2(max(ε, m)) bits, where m is the
    /// probability mass the answer's logged top intents put on actions the constitution allows for the true intent. The
    /// traffic log keeps only the top intents (<paramref name="topIntents"/>), so the mass outside them counts as
    /// forbidden: live D is an upper bound of the full-distribution D, the same for both arms.
    /// </summary>
    /// <param name="allowedActions">The actions σ allows for the answer's true intent.</param>
    /// <param name="intentActions">The action each intent routes to; an intent without one counts as forbidden.</param>
    public static double Surprisal(IReadOnlySet<string> allowedActions, IReadOnlyDictionary<string, string> intentActions,
        IReadOnlyList<IntentProbability> topIntents, double epsilon)
    {
        var mass = 0.0;
        foreach (var top in topIntents)
            if (intentActions.TryGetValue(top.Intent, out var action) && allowedActions.Contains(action)) mass += top.Probability;
        return -Math.Log2(Math.Max(epsilon, Math.Min(1.0, mass)));
    }

    /// <summary>The 95th percentile of latencies in milliseconds (MathNet's <see cref="Statistics.Percentile"/>), or null for none.</summary>
    public static double? P95(IReadOnlyCollection<double> latenciesMs) =>
        latenciesMs.Count == 0 ? null : latenciesMs.Percentile(95);

    /// <summary>Mean and (population) variance of the surprisal terms, in bits and bits²; nulls for none.</summary>
    public static (double? Mean, double? Variance) MeanAndVariance(IReadOnlyCollection<double> surprisal) =>
        surprisal.Count == 0 ? (null, null) : (surprisal.Average(), surprisal.PopulationVariance());
}
