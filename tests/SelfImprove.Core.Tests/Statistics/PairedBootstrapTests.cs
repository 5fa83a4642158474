using SelfImprove.Core.Statistics;

namespace SelfImprove.Core.Tests.Statistics;

public sealed class PairedBootstrapTests
{
    /// <summary>The mean of per-probe differences over the drawn indices of one stratum.</summary>
    private static Func<IReadOnlyList<int[]>, double> MeanOf(double[] differences) =>
        draw => draw[0].Average(i => differences[i]);

    [Fact]
    public void The_estimate_is_the_difference_as_measured_and_identical_policies_give_a_zero_interval()
    {
        var zero = PairedBootstrap.Interval([50], MeanOf(new double[50]), alpha: 0.05, resamples: 500, seed: 1);
        var shifted = PairedBootstrap.Interval([50], MeanOf(Enumerable.Repeat(0.25, 50).ToArray()), alpha: 0.05, resamples: 500, seed: 1);

        Assert.Equal((0, 0, 0), (zero.Estimate, zero.Lower, zero.Upper));
        Assert.Equal((0.25, 0.25, 0.25), (shifted.Estimate, shifted.Lower, shifted.Upper));
    }

    [Fact]
    public void The_bounds_of_a_mean_difference_match_the_normal_approximation()
    {
        // 400 probes, half of them +1 and half 0: mean 0.5, standard error 0.5 / √400 = 0.025, so the one-sided 95 %
        // bounds are about 0.5 ∓ 1.645 · 0.025 = 0.459 and 0.541.
        var differences = Enumerable.Range(0, 400).Select(i => i % 2 == 0 ? 1.0 : 0.0).ToArray();

        var interval = PairedBootstrap.Interval([400], MeanOf(differences), alpha: 0.05, resamples: 4000, seed: 7);

        Assert.Equal(0.5, interval.Estimate, 12);
        Assert.InRange(interval.Lower, 0.449, 0.469);
        Assert.InRange(interval.Upper, 0.531, 0.551);
        Assert.True(interval.NonInferior(margin: 0));
        Assert.False(interval.NonInferior(margin: -0.47));
    }

    [Fact]
    public void Strata_are_resampled_within_themselves_and_the_same_seed_gives_the_same_interval()
    {
        // Stratum 0 is all +1, stratum 1 all −1: each draw keeps each stratum's size, so the mean over both never moves.
        double Difference(IReadOnlyList<int[]> draw) => (draw[0].Length * 1.0 + draw[1].Length * -1.0) / (draw[0].Length + draw[1].Length);
        var fixedSizes = PairedBootstrap.Interval([30, 10], Difference, alpha: 0.05, resamples: 200, seed: 3);
        var differences = Enumerable.Range(0, 60).Select(i => (i * 37 % 11) / 10.0 - 0.5).ToArray();
        var first = PairedBootstrap.Interval([60], MeanOf(differences), 0.05, 1000, seed: 42);
        var again = PairedBootstrap.Interval([60], MeanOf(differences), 0.05, 1000, seed: 42);
        var other = PairedBootstrap.Interval([60], MeanOf(differences), 0.05, 1000, seed: 43);

        Assert.Equal((0.5, 0.5), (fixedSizes.Lower, fixedSizes.Upper));
        Assert.Equal(first, again);
        Assert.NotEqual(first.Lower, other.Lower);
    }

    [Theory]
    [InlineData(0.0, 1000)]
    [InlineData(0.5, 1000)]
    [InlineData(0.05, 10)]
    public void Bad_settings_are_refused(double alpha, int resamples) =>
        Assert.ThrowsAny<ArgumentException>(() => PairedBootstrap.Interval([5], MeanOf(new double[5]), alpha, resamples, seed: 1));

    [Fact]
    public void An_empty_stratum_is_refused_with_what_is_missing()
    {
        var error = Assert.Throws<ArgumentException>(() => PairedBootstrap.Interval([5, 0], _ => 0, 0.05, 1000, seed: 1));
        Assert.Contains("at least one probe", error.Message);
    }
}
