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
    public void Bad_input_is_refused()
    {
        Assert.Throws<ArgumentException>(() => PairedProportionDifference.Interval([true], [true, false], 0.05));
        Assert.Throws<ArgumentException>(() => PairedProportionDifference.Interval(0, 0, 0, 0, 0.05));
        Assert.Throws<ArgumentException>(() => PairedProportionDifference.Interval(-1, 2, 0, 0, 0.05));
        Assert.Throws<ArgumentOutOfRangeException>(() => PairedProportionDifference.Interval(1, 1, 1, 1, 0.5));
    }
}
