using MathNet.Numerics.Distributions;

namespace SelfImprove.Core.Statistics;

/// <summary>
/// A confidence interval for the difference of two proportions measured on the same probes (a paired 2 × 2 table).
/// </summary>
/// <param name="Estimate">p₁ − p₂ as measured, a share in [−1, 1].</param>
/// <param name="Lower">One-sided lower bound at confidence 1 − α.</param>
/// <param name="Upper">One-sided upper bound at confidence 1 − α. [Lower, Upper] is a two-sided (1 − 2α) interval.</param>
/// <param name="Alpha">α, in (0, 0.5).</param>
/// <param name="Probes">n, the paired observations.</param>
/// <param name="FirstOnly">b: probes where only the first outcome occurred (discordant).</param>
/// <param name="SecondOnly">c: probes where only the second occurred (discordant).</param>
public sealed record PairedProportionInterval(double Estimate, double Lower, double Upper, double Alpha, int Probes, int FirstOnly, int SecondOnly)
{
    /// <summary>
    /// How many independent clusters the probes came from (<see cref="Probes"/> when every probe is its own); see
    /// <see cref="PairedProportionDifference.Interval(IReadOnlyList{bool}, IReadOnlyList{bool}, IReadOnlyList{int}, double)"/>.
    /// </summary>
    public int Clusters { get; init; } = Probes;

    /// <summary>
    /// The design effect the interval was widened by (≥ 1): the variance of the paired difference under resampling clusters
    /// over its variance under resampling probes; 1 for independent probes. The interval is Newcombe's at n / design effect.
    /// </summary>
    public double DesignEffect { get; init; } = 1;

    /// <summary>
    /// Non-inferiority of a rate that should be low (e.g. a forbidden-action rate) at confidence 1 − α: the upper bound of
    /// (first − second) lies below <paramref name="margin"/> (Wellek 2010, ch. 2; the confidence-bound form of the test of
    /// H0: p₁ − p₂ ≥ margin).
    /// </summary>
    public bool NotHigherBy(double margin) => Upper < margin;
}

/// <summary>
/// Newcombe's hybrid score interval for a paired difference of proportions (Newcombe 1998, "Improved confidence intervals
/// for the difference between binomial proportions based on paired data", Statistics in Medicine 17:2635–2650, method 10):
/// the Wilson score limits of each proportion (Wilson 1927) are combined with the phi correlation φ̂ of the paired table,
/// <code>
/// L = Δ − √((p₁ − l₁)² − 2φ̂(p₁ − l₁)(u₂ − p₂) + (u₂ − p₂)²)
/// U = Δ + √((u₁ − p₁)² − 2φ̂(u₁ − p₁)(p₂ − l₂) + (p₂ − l₂)²)
/// </code>
/// with φ̂ = (ad − bc) / √((a+b)(c+d)(a+c)(b+d)), set to 0 when a margin of the table is 0. Unlike the Wald interval it
/// stays inside [−1, 1], is not degenerate at 0 or n, and keeps close to its nominal coverage down to a dozen pairs, which
/// is why it suits small probe sets; the pairing (φ̂ &gt; 0 when both policies miss the same probes) narrows it. Exact
/// arithmetic, no resampling.
/// </summary>
public static class PairedProportionDifference
{
    /// <param name="first">The first policy's outcome per probe (e.g. the candidate routed it to a forbidden action).</param>
    /// <param name="second">The second policy's outcome on the same probes.</param>
    /// <param name="alpha">One-sided error rate α in (0, 0.5); z = Φ⁻¹(1 − α).</param>
    /// <exception cref="ArgumentException">The outcomes differ in length or are empty, or α is out of range.</exception>
    public static PairedProportionInterval Interval(IReadOnlyList<bool> first, IReadOnlyList<bool> second, double alpha)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Count != second.Count)
            throw new ArgumentException($"Paired outcomes need one per probe for both policies ({first.Count} vs {second.Count}).", nameof(second));
        int a = 0, b = 0, c = 0, d = 0;
        for (var i = 0; i < first.Count; i++)
            _ = (first[i], second[i]) switch { (true, true) => a++, (true, false) => b++, (false, true) => c++, _ => d++ };
        return Interval(a, b, c, d, alpha);
    }

    /// <summary>
    /// The same interval for clustered probes (probes built from a few base texts, which are not independent draws): Newcombe's
    /// interval at the effective sample size n / deff, where the design effect (Kish 1965, "Survey Sampling", §8.2) is the
    /// variance of the paired difference d = first − second when whole clusters are resampled over its variance when
    /// single probes are, both in their exact (B → ∞) bootstrap form, so no resampling noise enters the test:
    /// <code>
    /// deff = max(1, Σ_g (D_g − m_g·d̄)² / Σ_i (d_i − d̄)²)
    /// </code>
    /// with D_g the sum and m_g the size of cluster g — the numerator over n² is the cluster bootstrap's variance of the mean
    /// difference (the cluster-robust "CR0" variance; Field &amp; Welsh 2007, "Bootstrapping clustered data", JRSS B 69:369–390;
    /// Cameron, Gelbach &amp; Miller 2008, REStat 90:414–427), the denominator the probe bootstrap's. Clusters of one give
    /// deff = 1 and exactly the unclustered interval; G clusters of m probes that always agree give deff = m (Kish's
    /// 1 + (m − 1)ρ at ρ = 1), the interval of G probes. deff is 1 when d does not vary (every probe concordant, or every probe discordant the same way).
    /// Limits: with few clusters (under about 20) the CR0 variance is itself uncertain and tends to be low (Cameron et al.
    /// 2008), so the interval is still optimistic there; it is no longer optimistic by the factor m.
    /// </summary>
    /// <param name="first">The first policy's outcome per probe.</param>
    /// <param name="second">The second policy's outcome on the same probes.</param>
    /// <param name="clusters">Each probe's cluster id (probes with equal ids were built from the same base text).</param>
    /// <param name="alpha">One-sided error rate α in (0, 0.5).</param>
    /// <exception cref="ArgumentException">The outcomes or clusters differ in length or are empty, or α is out of range.</exception>
    public static PairedProportionInterval Interval(IReadOnlyList<bool> first, IReadOnlyList<bool> second, IReadOnlyList<int> clusters, double alpha)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        var plain = Interval(first, second, alpha);
        if (clusters.Count != first.Count)
            throw new ArgumentException($"Clustered outcomes need one cluster id per probe ({clusters.Count} ids for {first.Count} probes).", nameof(clusters));
        var n = first.Count;
        var d = Enumerable.Range(0, n).Select(i => (first[i] ? 1.0 : 0.0) - (second[i] ? 1.0 : 0.0)).ToArray();
        var mean = d.Average();
        var within = d.Sum(x => (x - mean) * (x - mean));
        var groups = Enumerable.Range(0, n).GroupBy(i => clusters[i]).ToArray();
        var between = groups.Sum(g => Square(g.Sum(i => d[i]) - g.Count() * mean));
        var deff = within <= 1e-12 ? 1 : Math.Max(1, between / within);
        if (deff == 1) return plain with { Clusters = groups.Length };
        var both = Enumerable.Range(0, n).Count(i => first[i] && second[i]);
        return Interval(both, plain.FirstOnly, plain.SecondOnly, n - both - plain.FirstOnly - plain.SecondOnly, alpha, deff) with { Clusters = groups.Length };
    }

    /// <summary>
    /// From the paired table's counts with a known design effect: Newcombe's interval at the effective sample size n / deff
    /// (what the clustered overload computes once it has deff). Used to plan a probe set's size (the power of the
    /// forbidden-rate rule at a given n and deff).
    /// </summary>
    /// <param name="a">Both outcomes occurred.</param>
    /// <param name="b">Only the first occurred.</param>
    /// <param name="c">Only the second occurred.</param>
    /// <param name="d">Neither occurred.</param>
    /// <param name="alpha">One-sided error rate α in (0, 0.5).</param>
    /// <param name="designEffect">deff ≥ 1; 1 gives exactly <see cref="Interval(int, int, int, int, double)"/>.</param>
    /// <exception cref="ArgumentException">A negative count, no pairs, α out of range, or a design effect below 1.</exception>
    public static PairedProportionInterval Interval(int a, int b, int c, int d, double alpha, double designEffect)
    {
        if (!(designEffect >= 1)) throw new ArgumentOutOfRangeException(nameof(designEffect), designEffect, "The design effect must be at least 1.");
        var plain = Interval(a, b, c, d, alpha);
        if (designEffect == 1) return plain;
        var (_, lower, upper) = Newcombe(a, b, c, d, plain.Probes / designEffect, alpha);
        return plain with { Lower = lower, Upper = upper, DesignEffect = designEffect };
    }

    /// <summary>From the paired table's counts.</summary>
    /// <param name="a">Both outcomes occurred.</param>
    /// <param name="b">Only the first occurred.</param>
    /// <param name="c">Only the second occurred.</param>
    /// <param name="d">Neither occurred.</param>
    /// <param name="alpha">One-sided error rate α in (0, 0.5).</param>
    /// <exception cref="ArgumentException">A negative count, no pairs, or α out of range.</exception>
    public static PairedProportionInterval Interval(int a, int b, int c, int d, double alpha)
    {
        if (a < 0 || b < 0 || c < 0 || d < 0) throw new ArgumentException("The paired table's counts cannot be negative.");
        var n = a + b + c + d;
        if (n == 0) throw new ArgumentException("The paired interval needs at least one probe.");
        if (alpha is <= 0 or >= 0.5) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be in (0, 0.5).");

        var (estimate, lower, upper) = Newcombe(a, b, c, d, n, alpha);
        return new PairedProportionInterval(estimate, lower, upper, alpha, n, b, c);
    }

    /// <summary>Newcombe's limits from the table's shares, with the Wilson limits taken at sample size <paramref name="size"/> (n, or an effective n).</summary>
    private static (double Estimate, double Lower, double Upper) Newcombe(double a, double b, double c, double d, double size, double alpha)
    {
        var n = a + b + c + d;
        var z = Normal.InvCDF(0, 1, 1 - alpha);
        double p1 = (a + b) / n, p2 = (a + c) / n;
        var (l1, u1) = Wilson(p1, size, z);
        var (l2, u2) = Wilson(p2, size, z);
        var marginals = (a + b) * (c + d) * (a + c) * (b + d);
        var phi = marginals == 0 ? 0 : (a * d - b * c) / Math.Sqrt(marginals);
        var estimate = p1 - p2;
        var below = Math.Sqrt(Math.Max(0, Square(p1 - l1) - 2 * phi * (p1 - l1) * (u2 - p2) + Square(u2 - p2)));
        var above = Math.Sqrt(Math.Max(0, Square(u1 - p1) - 2 * phi * (u1 - p1) * (p2 - l2) + Square(p2 - l2)));
        return (estimate, Math.Max(-1, estimate - below), Math.Min(1, estimate + above));
    }

    /// <summary>The Wilson score interval of one proportion at z (Wilson 1927; Newcombe 1998b, method 3); n may be an effective (non-integer) sample size.</summary>
    public static (double Lower, double Upper) Wilson(double p, double n, double z)
    {
        var z2 = z * z;
        var denominator = 1 + z2 / n;
        var centre = (p + z2 / (2.0 * n)) / denominator;
        var half = z / denominator * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    private static double Square(double x) => x * x;
}
