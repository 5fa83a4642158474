using MathNet.Numerics.Distributions;
using MathNet.Numerics.RootFinding;

namespace SelfImprove.Core.Statistics;

/// <summary>
/// An always-valid (anytime) confidence bound on a proportion or on the difference of two proportions, as a result of
/// Bernoulli outcomes (labelled answers: correct or not) accumulates. The bounds may be looked at after every new
/// outcome, as often as one likes, and stop the experiment the first time they exclude a value: the chance that the
/// lower bound ever rises above the true value is at most <c>alpha</c>, and likewise for the upper bound (each side is a
/// one-sided bound at confidence 1 − alpha; together they form a two-sided sequence at 1 − 2·alpha).
/// <para>
/// Method: the mixture sequential probability ratio test (mSPRT) on the normal approximation of the estimate, as used for
/// A/B tests by Johari, Koomen, Pekelis and Walsh, "Always valid inference: continuous monitoring of A/B tests",
/// Operations Research 70(3), 2022 (§4, the two-sample binomial case), with a one-sided (half-normal) mixing
/// distribution of scale <c>τ</c> on the effect. Its likelihood-ratio martingale is the one-sided normal mixture of
/// Howard, Ramdas, McAuliffe and Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences", Annals of
/// Statistics 49(2), 2021, §3.2 (Proposition 6 and eq. 3.7): with s = (estimate − θ)/V and v = 1/V, ρ = 1/τ²,
/// M(s, v) = 2·√(ρ/(v+ρ))·exp(s²/(2(v+ρ)))·Φ(s/√(v+ρ)); Ville's inequality bounds P(∃ look: M ≥ 1/α) by α. Solving
/// M = 1/α for s gives the radius r(V) = u·√(V·(1 + V/τ²)), where u solves u²/2 + ln Φ(u) = ln(1/α) − ln 2 + ½·ln(1 + τ²/V).
/// </para>
/// <para>
/// V is the estimate's variance, plugged in from the data: p̃(1 − p̃)/n per arm with p̃ = (successes + 1)/(n + 2), so that
/// an arm with all (or no) answers right still has a variance. The guarantee is therefore asymptotic (large n, as in
/// Johari et al.); <c>docs/benchmarks.md</c> measures the error rates it gives on simulated trials.
/// </para>
/// </summary>
public static class SequentialProportionTest
{
    /// <summary>
    /// The bounds on p_a − p_b (a proportion in [−1, 1]) after <paramref name="a"/> and <paramref name="b"/>'s outcomes.
    /// </summary>
    /// <param name="a">First arm (the candidate): outcomes and successes.</param>
    /// <param name="b">Second arm (the serving version).</param>
    /// <param name="alpha">Error of each one-sided bound, in (0, 0.5).</param>
    /// <param name="mixingScale">τ, the effect size (a difference of proportions, in (0, 1]) the test is most sensitive to.</param>
    /// <exception cref="ArgumentOutOfRangeException">An arm without outcomes or with more successes than outcomes, alpha or τ out of range.</exception>
    public static SequentialBounds Difference(BernoulliCount a, BernoulliCount b, double alpha, double mixingScale)
    {
        var variance = a.Variance + b.Variance;
        var radius = Radius(variance, alpha, mixingScale);
        var estimate = a.Rate - b.Rate;
        return new SequentialBounds(estimate, estimate - radius, estimate + radius, variance);
    }

    /// <summary>
    /// The bounds on p_a − p_b when both a and b were scored on the same requests (a paired design): the estimate is
    /// (n_ab̄ − n_āb)/n and its variance [(n_ab̄ + n_āb)/n − ((n_ab̄ − n_āb)/n)²]/n, the variance of the difference of two
    /// dependent proportions behind McNemar's test (Agresti, "Categorical Data Analysis", 3rd ed., §11.1.1). The
    /// discordant shares are smoothed as in <see cref="BernoulliCount.Variance"/> (one pseudo-discordance in n + 2), so
    /// pairs that all agree still have a variance. When the two mostly answer alike the variance is a fraction of the
    /// unpaired one, and the bounds close on far fewer labelled answers. Same radius and guarantee as <see cref="Difference"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">alpha or τ out of range (see <see cref="Radius"/>).</exception>
    public static SequentialBounds PairedDifference(PairedCount pairs, double alpha, double mixingScale)
    {
        var estimate = pairs.Difference;
        var discordant = (pairs.OnlyFirstRight + pairs.OnlySecondRight + 1.0) / (pairs.Pairs + 2.0);
        var variance = Math.Max(discordant - estimate * estimate, discordant / (pairs.Pairs + 2.0)) / pairs.Pairs;
        var radius = Radius(variance, alpha, mixingScale);
        return new SequentialBounds(estimate, estimate - radius, estimate + radius, variance);
    }

    /// <summary>The bounds on one proportion p after <paramref name="count"/>'s outcomes (see <see cref="Difference"/>).</summary>
    public static SequentialBounds Single(BernoulliCount count, double alpha, double mixingScale)
    {
        var variance = count.Variance;
        var radius = Radius(variance, alpha, mixingScale);
        return new SequentialBounds(count.Rate, count.Rate - radius, count.Rate + radius, variance);
    }

    /// <summary>
    /// The one-sided radius r(V) of the always-valid bound for an estimate of variance <paramref name="variance"/>: the
    /// estimate minus r is a lower bound at confidence 1 − alpha, uniformly over every look (see the class remarks).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The variance is not positive and finite, alpha is not in (0, 0.5), or τ is not positive.</exception>
    public static double Radius(double variance, double alpha, double mixingScale)
    {
        if (!(variance > 0) || double.IsInfinity(variance))
            throw new ArgumentOutOfRangeException(nameof(variance), variance, "The estimate's variance must be positive and finite.");
        if (!(alpha > 0 && alpha < 0.5))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be strictly between 0 and 0.5.");
        if (!(mixingScale > 0) || double.IsInfinity(mixingScale))
            throw new ArgumentOutOfRangeException(nameof(mixingScale), mixingScale, "The mixing scale τ must be positive and finite.");

        var tau2 = mixingScale * mixingScale;
        var target = -Math.Log(alpha) - Math.Log(2) + 0.5 * Math.Log(1 + tau2 / variance);
        // g(u) = u²/2 + ln Φ(u) increases on [0, ∞), g(0) = −ln 2 < target, and g(u) ≥ u²/2 − ln 2 brackets the root.
        double G(double u) => u * u / 2 + Math.Log(Normal.CDF(0, 1, u)) - target;
        var upper = Math.Sqrt(2 * (target + Math.Log(2))) + 1e-9;
        var u = Brent.FindRoot(G, 0, upper, 1e-12, 200);
        return u * Math.Sqrt(variance * (1 + variance / tau2));
    }

    /// <summary>
    /// Labelled outcomes (both arms together) a fixed-horizon two-sided z-test of p_a = p_b needs for power
    /// <paramref name="power"/> at a difference <paramref name="difference"/>, with a share <paramref name="shareA"/> of the
    /// outcomes in arm a and rate <paramref name="rate"/> in both arms: N = (z_{1−α/2} + z_{power})²·p(1−p)·(1/q + 1/(1−q))/δ²
    /// (the textbook normal-approximation sample size, e.g. Chow, Shao and Wang, "Sample Size Calculations in Clinical
    /// Research", 3rd ed., §4.2). The benchmark's reference for how soon the sequential test decides.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A share, rate, power or alpha outside (0, 1), or a difference that is not positive.</exception>
    public static int FixedHorizonSamples(double rate, double difference, double shareA, double alpha, double power)
    {
        if (!(rate > 0 && rate < 1)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "The rate must be strictly between 0 and 1.");
        if (!(difference > 0 && difference < 1)) throw new ArgumentOutOfRangeException(nameof(difference), difference, "The difference must be strictly between 0 and 1.");
        if (!(shareA > 0 && shareA < 1)) throw new ArgumentOutOfRangeException(nameof(shareA), shareA, "The share must be strictly between 0 and 1.");
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be strictly between 0 and 1.");
        if (!(power > 0 && power < 1)) throw new ArgumentOutOfRangeException(nameof(power), power, "The power must be strictly between 0 and 1.");
        var z = Normal.InvCDF(0, 1, 1 - alpha / 2) + Normal.InvCDF(0, 1, power);
        var n = z * z * rate * (1 - rate) * (1 / shareA + 1 / (1 - shareA)) / (difference * difference);
        return (int)Math.Ceiling(n);
    }

    /// <summary>
    /// Labelled requests a fixed-horizon two-sided test of p_a = p_b on pairs (McNemar's test) needs for power
    /// <paramref name="power"/> at a difference <paramref name="difference"/> when a share <paramref name="discordance"/> of
    /// the pairs are discordant: N = (z_{1−α/2}·√ψ + z_{power}·√(ψ − δ²))²/δ² (Connor, "Sample size for testing
    /// differences in proportions for the paired-sample design", Biometrics 43(1), 1987). The benchmark's reference for
    /// the paired trial.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A discordance not above the difference or not below 1, or alpha, power or the difference out of (0, 1).</exception>
    public static int FixedHorizonPairs(double discordance, double difference, double alpha, double power)
    {
        if (!(difference > 0 && difference < 1)) throw new ArgumentOutOfRangeException(nameof(difference), difference, "The difference must be strictly between 0 and 1.");
        if (!(discordance > difference && discordance < 1)) throw new ArgumentOutOfRangeException(nameof(discordance), discordance, "The discordant share must be above the difference and below 1.");
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be strictly between 0 and 1.");
        if (!(power > 0 && power < 1)) throw new ArgumentOutOfRangeException(nameof(power), power, "The power must be strictly between 0 and 1.");
        var root = Normal.InvCDF(0, 1, 1 - alpha / 2) * Math.Sqrt(discordance) + Normal.InvCDF(0, 1, power) * Math.Sqrt(discordance - difference * difference);
        return (int)Math.Ceiling(root * root / (difference * difference));
    }
}

/// <summary>Bernoulli outcomes of one arm: how many were observed and how many were successes (correct answers).</summary>
/// <exception cref="ArgumentOutOfRangeException">No outcomes, negative successes, or more successes than outcomes.</exception>
public readonly record struct BernoulliCount
{
    public BernoulliCount(int trials, int successes)
    {
        if (trials < 1) throw new ArgumentOutOfRangeException(nameof(trials), trials, "An arm needs at least one outcome.");
        if (successes < 0 || successes > trials)
            throw new ArgumentOutOfRangeException(nameof(successes), successes, $"Successes must be between 0 and the {trials} outcomes.");
        Trials = trials;
        Successes = successes;
    }

    public int Trials { get; }
    public int Successes { get; }

    /// <summary>Share of successes, in [0, 1].</summary>
    public double Rate => (double)Successes / Trials;

    /// <summary>The plug-in variance of <see cref="Rate"/>: p̃(1 − p̃)/n with p̃ = (successes + 1)/(n + 2).</summary>
    public double Variance
    {
        get
        {
            var smoothed = (Successes + 1.0) / (Trials + 2.0);
            return smoothed * (1 - smoothed) / Trials;
        }
    }
}

/// <summary>
/// Two versions scored on the same labelled requests: how many requests, on how many only the first was right and on
/// how many only the second (the discordant pairs of McNemar's test; the rest both got right or both wrong).
/// </summary>
/// <exception cref="ArgumentOutOfRangeException">No pairs, a negative count, or more discordant pairs than pairs.</exception>
public readonly record struct PairedCount
{
    public PairedCount(int pairs, int onlyFirstRight, int onlySecondRight)
    {
        if (pairs < 1) throw new ArgumentOutOfRangeException(nameof(pairs), pairs, "A paired comparison needs at least one pair.");
        if (onlyFirstRight < 0 || onlySecondRight < 0 || onlyFirstRight + onlySecondRight > pairs)
            throw new ArgumentOutOfRangeException(nameof(onlyFirstRight), onlyFirstRight + onlySecondRight, $"The discordant pairs must be between 0 and the {pairs} pairs.");
        Pairs = pairs;
        OnlyFirstRight = onlyFirstRight;
        OnlySecondRight = onlySecondRight;
    }

    public int Pairs { get; }
    public int OnlyFirstRight { get; }
    public int OnlySecondRight { get; }

    /// <summary>The first's accuracy minus the second's on the pairs, in [−1, 1].</summary>
    public double Difference => (double)(OnlyFirstRight - OnlySecondRight) / Pairs;
}

/// <summary>
/// An always-valid estimate at one look: the point estimate, its lower and upper bounds (each one-sided at confidence
/// 1 − alpha), and the variance used (a proportion's squared units).
/// </summary>
public sealed record SequentialBounds(double Estimate, double Lower, double Upper, double Variance);
