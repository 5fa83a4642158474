using SelfImprove.Core.Statistics;

namespace SelfImprove.Core.Tests.Statistics;

public sealed class PairedProportionDifferenceTests
{
    [Fact]
    public void Reproduces_Newcombes_published_example()
    {
        // Newcombe 1998, Table II, example (a, b, c, d) = (36, 12, 2, 0): Δ = 0.2, 95 % two-sided interval by method 10
        // 0.0569 to 0.3404 (α = 0.025 on each side).
        var interval = PairedProportionDifference.Interval(36, 12, 2, 0, alpha: 0.025);

        Assert.Equal(0.2, interval.Estimate, 12);
        Assert.Equal(0.0569, interval.Lower, 4);
        Assert.Equal(0.3404, interval.Upper, 4);
        Assert.Equal((50, 12, 2), (interval.Probes, interval.FirstOnly, interval.SecondOnly));
    }

    [Fact]
    public void Identical_outcomes_give_a_narrow_interval_around_zero_and_the_pairing_narrows_it()
    {
        // 48 probes, both policies positive on the same 16: φ = 1, so only the Wilson limits' asymmetry is left
        // (hand-computed: ±0.01779). The same rates with one discordant pair each way: φ < 1, bound ±0.04965.
        var same = PairedProportionDifference.Interval(
            Enumerable.Range(0, 48).Select(i => i < 16).ToArray(), Enumerable.Range(0, 48).Select(i => i < 16).ToArray(), alpha: 0.05);
        var swapped = PairedProportionDifference.Interval(16, 1, 1, 30, alpha: 0.05);

        Assert.Equal(0, same.Estimate, 12);
        Assert.Equal(0.01779, same.Upper, 5);
        Assert.Equal(-0.01779, same.Lower, 5);
        Assert.Equal(0.04965, swapped.Upper, 5);
        Assert.True(same.NotHigherBy(0.10));
    }

    [Fact]
    public void A_clearly_higher_rate_is_not_within_the_margin()
    {
        // (16, 12, 0, 20): the first policy is positive on 12 more of 48 probes, Δ = 0.25, one-sided 95 % bounds 0.14389 and 0.34450.
        var interval = PairedProportionDifference.Interval(16, 12, 0, 20, alpha: 0.05);

        Assert.Equal(0.25, interval.Estimate, 12);
        Assert.Equal(0.14389, interval.Lower, 5);
        Assert.Equal(0.34450, interval.Upper, 5);
        Assert.False(interval.NotHigherBy(0.10));
    }

    [Fact]
    public void Clusters_of_one_give_exactly_the_unclustered_interval()
    {
        // (16, 12, 0, 20) as probe outcomes, every probe its own cluster (ids in any order): deff = 1 and the bounds above.
        var first = Enumerable.Range(0, 48).Select(i => i < 28).ToArray();
        var second = Enumerable.Range(0, 48).Select(i => i < 16).ToArray();
        var clusters = Enumerable.Range(0, 48).Select(i => 100 - i).ToArray();

        var plain = PairedProportionDifference.Interval(first, second, alpha: 0.05);
        var clustered = PairedProportionDifference.Interval(first, second, clusters, alpha: 0.05);

        Assert.Equal((plain.Estimate, plain.Lower, plain.Upper), (clustered.Estimate, clustered.Lower, clustered.Upper));
        Assert.Equal((1.0, 48), (clustered.DesignEffect, clustered.Clusters));
        Assert.Equal(0.34450, clustered.Upper, 5);
    }

    [Fact]
    public void Clusters_whose_probes_always_agree_count_as_one_probe_each()
    {
        // 48 probes in 6 clusters of 8 that agree within themselves: 2 clusters positive for both, 1 for the first only,
        // 3 for neither — the table (16, 8, 0, 24). d = first − second is 1 on 8 probes, mean 1/6:
        // Σ_i (d_i − d̄)² = 8 · (5/6)² + 40 · (1/6)² = 20/3; Σ_g (D_g − 8 d̄)² = (8 − 4/3)² + 5 · (4/3)² = 160/3; deff = 8,
        // the design effect 1 + (m − 1)ρ at m = 8, ρ = 1. The interval is Newcombe's for the 6 clusters, (2, 1, 0, 3):
        // one-sided 95 % bounds −0.06543 and 0.36468, against 0.07722 and 0.25045 when the 48 probes are taken as independent.
        var first = Enumerable.Range(0, 48).Select(i => i < 24).ToArray();
        var second = Enumerable.Range(0, 48).Select(i => i < 16).ToArray();
        var clusters = Enumerable.Range(0, 48).Select(i => i / 8).ToArray();

        var independent = PairedProportionDifference.Interval(first, second, alpha: 0.05);
        var clustered = PairedProportionDifference.Interval(first, second, clusters, alpha: 0.05);
        var sixProbes = PairedProportionDifference.Interval(2, 1, 0, 3, alpha: 0.05);

        Assert.Equal(0.07722, independent.Lower, 5);
        Assert.Equal(0.25045, independent.Upper, 5);
        Assert.Equal(8, clustered.DesignEffect, 12);
        Assert.Equal(6, clustered.Clusters);
        Assert.Equal(1.0 / 6, clustered.Estimate, 12);
        Assert.Equal(-0.06543, clustered.Lower, 5);
        Assert.Equal(0.36468, clustered.Upper, 5);
        Assert.Equal((sixProbes.Lower, sixProbes.Upper), (clustered.Lower, clustered.Upper), (x, y) => Math.Abs(x.Item1 - y.Item1) < 1e-12 && Math.Abs(x.Item2 - y.Item2) < 1e-12);
        Assert.Equal((48, 8, 0), (clustered.Probes, clustered.FirstOnly, clustered.SecondOnly));
    }

    [Fact]
    public void A_known_design_effect_gives_the_clustered_interval_from_the_counts()
    {
        // The table (16, 8, 0, 24) at deff 8 is the clustered case above: bounds −0.06543 and 0.36468; at deff 1 the plain one.
        var atEight = PairedProportionDifference.Interval(16, 8, 0, 24, alpha: 0.05, designEffect: 8);
        var atOne = PairedProportionDifference.Interval(16, 8, 0, 24, alpha: 0.05, designEffect: 1);

        Assert.Equal((-0.06543, 0.36468), (Math.Round(atEight.Lower, 5), Math.Round(atEight.Upper, 5)));
        Assert.Equal((8.0, 48), (atEight.DesignEffect, atEight.Probes));
        Assert.Equal((0.07722, 0.25045), (Math.Round(atOne.Lower, 5), Math.Round(atOne.Upper, 5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => PairedProportionDifference.Interval(16, 8, 0, 24, 0.05, designEffect: 0.5));
    }

    [Fact]
    public void Discordant_probes_spread_over_clusters_are_not_widened()
    {
        // 2 discordant probes in different clusters of 8: between-cluster variance below the probes' (deff 0.70), floored at 1.
        var first = Enumerable.Range(0, 48).Select(i => i < 16 || i == 16 || i == 24).ToArray();
        var second = Enumerable.Range(0, 48).Select(i => i < 16).ToArray();

        var clustered = PairedProportionDifference.Interval(first, second, Enumerable.Range(0, 48).Select(i => i / 8).ToArray(), alpha: 0.05);

        Assert.Equal(1, clustered.DesignEffect);
        Assert.Equal(PairedProportionDifference.Interval(first, second, alpha: 0.05).Upper, clustered.Upper);
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        Assert.Throws<ArgumentException>(() => PairedProportionDifference.Interval([true, false], [true, false], [0], 0.05));
        Assert.Throws<ArgumentException>(() => PairedProportionDifference.Interval([true], [true, false], 0.05));
        Assert.Throws<ArgumentException>(() => PairedProportionDifference.Interval(0, 0, 0, 0, 0.05));
        Assert.Throws<ArgumentException>(() => PairedProportionDifference.Interval(-1, 2, 0, 0, 0.05));
        Assert.Throws<ArgumentOutOfRangeException>(() => PairedProportionDifference.Interval(1, 1, 1, 1, 0.5));
    }
}
