using MathNet.Numerics.Statistics;

namespace SelfImprove.Core.Statistics;

/// <summary>
/// A percentile interval for a paired difference, from a bootstrap over probes.
/// </summary>
/// <param name="Estimate">The difference on the probes as measured (no resampling).</param>
/// <param name="Lower">The α-quantile of the resampled differences: a one-sided lower bound at confidence 1 − α.</param>
/// <param name="Upper">The (1 − α)-quantile: a one-sided upper bound at confidence 1 − α. [Lower, Upper] is a two-sided (1 − 2α) interval.</param>
/// <param name="Alpha">α, in (0, 0.5).</param>
/// <param name="Resamples">How many bootstrap samples were drawn.</param>
public sealed record PairedBootstrapInterval(double Estimate, double Lower, double Upper, double Alpha, int Resamples)
{
    /// <summary>
    /// Non-inferiority at confidence 1 − α: the lower bound of (candidate − reference) lies above −<paramref name="margin"/>
    /// (Wellek 2010, "Testing Statistical Hypotheses of Equivalence and Noninferiority", ch. 2: reject H0: δ ≤ −margin).
    /// </summary>
    public bool NonInferior(double margin) => Lower > -margin;
}

/// <summary>
/// The paired, stratified percentile bootstrap (Efron &amp; Tibshirani 1993, "An Introduction to the Bootstrap", §13.3
/// percentile interval, §8.2 paired/two-sample designs): the probes of each stratum (an alignment environment) are
/// resampled with replacement, the same indices for both policies, so the difference keeps the pairing and every
/// stratum keeps its size. The statistic sees the resampled indices of every stratum and returns the difference of
/// interest (e.g. Σ(candidate) − Σ(serving)). Quantiles are MathNet's R-8 estimate (Hyndman &amp; Fan 1996).
/// <para>
/// Seeded: the same probes, statistic and seed always give the same interval (<see cref="Random(int)"/> is the
/// stable seeded generator on every .NET runtime).
/// </para>
/// </summary>
public static class PairedBootstrap
{
    /// <param name="strataSizes">Probes per stratum; each must be at least 1.</param>
    /// <param name="difference">The paired difference for one draw: one index array per stratum, each as long as its stratum.</param>
    /// <param name="alpha">One-sided error rate α in (0, 0.5).</param>
    /// <param name="resamples">Bootstrap samples B, 100 to 100,000.</param>
    /// <param name="seed">Seed of the resampling.</param>
    /// <exception cref="ArgumentException">No strata, an empty stratum, α or B out of range.</exception>
    public static PairedBootstrapInterval Interval(
        IReadOnlyList<int> strataSizes, Func<IReadOnlyList<int[]>, double> difference, double alpha, int resamples, int seed)
    {
        ArgumentNullException.ThrowIfNull(strataSizes);
        ArgumentNullException.ThrowIfNull(difference);
        if (strataSizes.Count == 0) throw new ArgumentException("The bootstrap needs at least one stratum of probes.", nameof(strataSizes));
        if (strataSizes.Any(n => n < 1)) throw new ArgumentException("Every stratum needs at least one probe.", nameof(strataSizes));
        if (alpha is <= 0 or >= 0.5) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be in (0, 0.5).");
        if (resamples is < 100 or > 100_000) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "Use 100 to 100,000 resamples.");

        var indices = strataSizes.Select(n => Enumerable.Range(0, n).ToArray()).ToArray();
        var estimate = difference(indices);
        var random = new Random(seed);
        var draws = new double[resamples];
        for (var b = 0; b < resamples; b++)
        {
            foreach (var stratum in indices)
                for (var i = 0; i < stratum.Length; i++) stratum[i] = random.Next(stratum.Length);
            draws[b] = difference(indices);
        }
        Array.Sort(draws);
        return new PairedBootstrapInterval(estimate,
            SortedArrayStatistics.Quantile(draws, alpha), SortedArrayStatistics.Quantile(draws, 1 - alpha), alpha, resamples);
    }
}
