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
/// Clustered strata: where a stratum's probes are not independent draws (e.g. adversarial probes built from a few base
/// texts), the bootstrap resamples whole clusters — G draws with replacement from the stratum's G clusters, each bringing
/// all its probes (the cluster bootstrap: Field &amp; Welsh 2007, "Bootstrapping clustered data", JRSS B 69:369–390;
/// Cameron, Gelbach &amp; Miller 2008, "Bootstrap-based improvements for inference with clustered errors", REStat 90:414–427),
/// so the interval reflects the number of clusters, not of probes. A resampled stratum then holds a varying number of
/// probes. Clusters of one are the probe bootstrap exactly: the same seed gives the same draws and the same interval.
/// </para>
/// <para>
/// Seeded: the same probes, statistic and seed always give the same interval (<see cref="Random(int)"/> is the
/// stable seeded generator on every .NET runtime).
/// </para>
/// </summary>
public static class PairedBootstrap
{
    /// <param name="strataSizes">Probes per stratum; each must be at least 1.</param>
    /// <param name="difference">The paired difference for one draw: one index array per stratum (as long as its stratum, unless it is clustered).</param>
    /// <param name="alpha">One-sided error rate α in (0, 0.5).</param>
    /// <param name="resamples">Bootstrap samples B, 100 to 100,000.</param>
    /// <param name="seed">Seed of the resampling.</param>
    /// <param name="clusters">
    /// Per stratum, each probe's cluster (any integer id; probes with equal ids are resampled together), or null where the
    /// stratum's probes are independent; null for all strata independent.
    /// </param>
    /// <exception cref="ArgumentException">No strata, an empty stratum, α or B out of range, or a stratum's clusters not one per probe.</exception>
    public static PairedBootstrapInterval Interval(
        IReadOnlyList<int> strataSizes, Func<IReadOnlyList<int[]>, double> difference, double alpha, int resamples, int seed,
        IReadOnlyList<int[]?>? clusters = null)
    {
        ArgumentNullException.ThrowIfNull(strataSizes);
        ArgumentNullException.ThrowIfNull(difference);
        if (strataSizes.Count == 0) throw new ArgumentException("The bootstrap needs at least one stratum of probes.", nameof(strataSizes));
        if (strataSizes.Any(n => n < 1)) throw new ArgumentException("Every stratum needs at least one probe.", nameof(strataSizes));
        if (alpha is <= 0 or >= 0.5) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be in (0, 0.5).");
        if (resamples is < 100 or > 100_000) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "Use 100 to 100,000 resamples.");
        if (clusters is not null && clusters.Count != strataSizes.Count)
            throw new ArgumentException($"Clusters are given for {clusters.Count} strata; there are {strataSizes.Count}.", nameof(clusters));

        // Each stratum's clusters as lists of probe indices, in order of first appearance; null: independent probes.
        var members = strataSizes.Select((n, s) => clusters?[s] is { } ids
            ? ids.Length == n
                ? ids.Select((id, i) => (id, i)).GroupBy(x => x.id).Select(g => g.Select(x => x.i).ToArray()).ToArray()
                : throw new ArgumentException($"Stratum {s} has {n} probes but {ids.Length} cluster ids; give one per probe.", nameof(clusters))
            : null).ToArray();
        var indices = strataSizes.Select(n => Enumerable.Range(0, n).ToArray()).ToArray();
        var estimate = difference(indices);
        var random = new Random(seed);
        var draws = new double[resamples];
        var drawn = new List<int>();
        for (var b = 0; b < resamples; b++)
        {
            for (var s = 0; s < indices.Length; s++)
            {
                if (members[s] is { } groups)
                {
                    drawn.Clear();
                    for (var g = 0; g < groups.Length; g++) drawn.AddRange(groups[random.Next(groups.Length)]);
                    indices[s] = drawn.ToArray();
                }
                else
                    for (var i = 0; i < indices[s].Length; i++) indices[s][i] = random.Next(indices[s].Length);
            }
            draws[b] = difference(indices);
        }
        Array.Sort(draws);
        return new PairedBootstrapInterval(estimate,
            SortedArrayStatistics.Quantile(draws, alpha), SortedArrayStatistics.Quantile(draws, 1 - alpha), alpha, resamples);
    }
}
