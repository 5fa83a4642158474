using System.Globalization;
using MathNet.Numerics.Distributions;
using SelfImprove.Core.Statistics;

namespace SelfImprove.Benchmarks;

/// <summary>
/// The power of the alignment gate's forbidden-rate rule (rule 1) by probe-set size: the chance that a candidate whose
/// forbidden-action rate on lured probes is truly higher than the serving version's by δ passes, i.e. that the upper
/// 1 − α bound of Newcombe's paired interval at n / deff (<see cref="PairedProportionDifference"/>, the gate's own code)
/// lies below the margin M. Used to size <c>AlignmentEnvironmentSpec.DefaultAdversarialPerIntent</c>.
/// <para>
/// Exact: the paired 2 × 2 table (a, b, c, d) of n probes is multinomial with cell shares
/// (r − p_c, p_b, p_c, 1 − r − p_b), p_b = (ψ + δ) / 2, p_c = (ψ − δ) / 2, r the serving version's forbidden-action rate
/// and ψ the share of discordant probes; the power is the sum of the probabilities of the tables the rule passes (the
/// enumeration Nam 1997, Biometrics 53:1422–1430, uses for paired designs). Beside it the normal approximation for a
/// paired non-inferiority test (Connor 1987, Biometrics 43:207–211; Nam 1997):
/// n ≥ deff · (ψ − δ²) · (z₁₋α + z₁₋β)² / (M − δ)².
/// </para>
/// <para>
/// Two design-effect models: a fixed deff (the largest seen), and one that grows with the probes per base text,
/// deff = 1 + (n / k − 1)·ρ (Kish 1965), k base texts and ρ fitted to the deff seen at the benchmark's n.
/// </para>
/// </summary>
public static class LurePowerBenchmark
{
    /// <param name="delta">δ: the true increase of the forbidden-action rate (a share).</param>
    /// <param name="discordant">ψ: the share of probes on which exactly one version routes to a forbidden action.</param>
    /// <param name="servingRate">r: the serving version's forbidden-action rate on the lured probes.</param>
    /// <param name="designEffect">The fixed design effect (≥ 1).</param>
    /// <param name="rho">ρ of the growing model (in [0, 1]).</param>
    /// <param name="baseTexts">k: base texts per sensitive intent.</param>
    /// <param name="sizes">The probe-set sizes n to evaluate.</param>
    /// <param name="margin">M: <c>alignment.forbiddenRateMargin</c>.</param>
    /// <param name="alpha">α: <c>alignment.alpha</c>.</param>
    /// <param name="power">The target power 1 − β, for the normal approximation.</param>
    /// <exception cref="ArgumentException">ψ &lt; δ, shares outside [0, 1], or a design effect below 1.</exception>
    public static int Run(double delta, double discordant, double servingRate, double designEffect, double rho, int baseTexts,
        IReadOnlyList<int> sizes, double margin, double alpha, double power, TextWriter output)
    {
        if (discordant < Math.Abs(delta) || discordant > 1) throw new ArgumentException($"--discordant {discordant}: must be at least |δ| = {Math.Abs(delta)} and at most 1.");
        if (servingRate - (discordant - delta) / 2 < 0 || servingRate + (discordant + delta) / 2 > 1)
            throw new ArgumentException($"--serving {servingRate}: the table's shares must lie in [0, 1] with ψ {discordant} and δ {delta}.");
        if (designEffect < 1) throw new ArgumentException($"--design-effect {designEffect}: must be at least 1.");
        var z = Normal.InvCDF(0, 1, 1 - alpha) + Normal.InvCDF(0, 1, power);
        var normalN = designEffect * (discordant - delta * delta) * z * z / Math.Pow(margin - delta, 2);
        output.WriteLine(FormattableString.Invariant(
            $"δ {delta}, ψ {discordant}, serving rate {servingRate}, margin {margin}, α {alpha}; normal approximation at deff {designEffect}, power {power}: n ≥ {normalN:0.0}"));
        output.WriteLine(FormattableString.Invariant($"| n | power, deff 1 | power, deff {designEffect} | deff 1 + (n/{baseTexts} − 1)·{rho} | power at it |"));
        output.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var n in sizes)
        {
            var grown = Math.Max(1, 1 + (n / (double)baseTexts - 1) * rho);
            output.WriteLine(FormattableString.Invariant(
                $"| {n} | {Power(n, delta, discordant, servingRate, 1, margin, alpha):0.000} | {Power(n, delta, discordant, servingRate, designEffect, margin, alpha):0.000} | {grown:0.00} | {Power(n, delta, discordant, servingRate, grown, margin, alpha):0.000} |"));
        }
        return 0;
    }

    /// <summary>P(upper bound &lt; margin) under the multinomial table, by enumeration (tables below 1e-15 are skipped).</summary>
    public static double Power(int n, double delta, double discordant, double servingRate, double designEffect, double margin, double alpha)
    {
        double pb = (discordant + delta) / 2, pc = (discordant - delta) / 2, pa = servingRate - pc, pd = 1 - pa - pb - pc;
        var logFactorial = new double[n + 1];
        for (var i = 1; i <= n; i++) logFactorial[i] = logFactorial[i - 1] + Math.Log(i);
        static double LogP(int k, double p) => k == 0 ? 0 : p <= 0 ? double.NegativeInfinity : k * Math.Log(p);
        var total = 0.0;
        for (var b = 0; b <= n; b++)
        {
            var massB = Math.Exp(logFactorial[n] - logFactorial[b] - logFactorial[n - b] + LogP(b, pb) + LogP(n - b, 1 - pb));
            if (massB < 1e-15 && b > n * pb) break;
            for (var c = 0; b + c <= n; c++)
            {
                for (var a = 0; a + b + c <= n; a++)
                {
                    var d = n - a - b - c;
                    var log = logFactorial[n] - logFactorial[a] - logFactorial[b] - logFactorial[c] - logFactorial[d]
                        + LogP(a, pa) + LogP(b, pb) + LogP(c, pc) + LogP(d, pd);
                    var probability = Math.Exp(log);
                    if (probability < 1e-15) continue;
                    if (PairedProportionDifference.Interval(a, b, c, d, alpha, designEffect).NotHigherBy(margin)) total += probability;
                }
            }
        }
        return total;
    }

    /// <summary>Parses a comma-separated list of sizes.</summary>
    public static IReadOnlyList<int> Sizes(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}
