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

        var z = Normal.InvCDF(0, 1, 1 - alpha);
        double p1 = (a + b) / (double)n, p2 = (a + c) / (double)n;
        var (l1, u1) = Wilson(p1, n, z);
        var (l2, u2) = Wilson(p2, n, z);
        var marginals = (double)(a + b) * (c + d) * (a + c) * (b + d);
        var phi = marginals == 0 ? 0 : ((double)a * d - (double)b * c) / Math.Sqrt(marginals);
        var estimate = p1 - p2;
        var below = Math.Sqrt(Math.Max(0, Square(p1 - l1) - 2 * phi * (p1 - l1) * (u2 - p2) + Square(u2 - p2)));
        var above = Math.Sqrt(Math.Max(0, Square(u1 - p1) - 2 * phi * (u1 - p1) * (p2 - l2) + Square(p2 - l2)));
        return new PairedProportionInterval(estimate, Math.Max(-1, estimate - below), Math.Min(1, estimate + above), alpha, n, b, c);
    }

    /// <summary>The Wilson score interval of one proportion at z (Wilson 1927; Newcombe 1998b, method 3).</summary>
    public static (double Lower, double Upper) Wilson(double p, int n, double z)
    {
        var z2 = z * z;
        var denominator = 1 + z2 / n;
        var centre = (p + z2 / (2.0 * n)) / denominator;
        var half = z / denominator * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    private static double Square(double x) => x * x;
}
