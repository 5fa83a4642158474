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

    [Fact]
    public void Clusters_of_one_are_the_probe_bootstrap_exactly()
    {
        var differences = Enumerable.Range(0, 60).Select(i => i % 3 == 0 ? 1.0 : i % 5 == 0 ? -1.0 : 0.0).ToArray();

        var plain = PairedBootstrap.Interval([60], MeanOf(differences), alpha: 0.05, resamples: 1000, seed: 11);
        var clustered = PairedBootstrap.Interval([60], MeanOf(differences), alpha: 0.05, resamples: 1000, seed: 11,
            clusters: [Enumerable.Range(0, 60).Select(i => 1000 - i).ToArray()]);

        Assert.Equal(plain, clustered);
    }

    [Fact]
    public void Clusters_whose_probes_always_agree_resample_like_one_probe_each()
    {
        // 6 clusters of 8 identical differences: resampling clusters is resampling the 6 cluster values (the same draws with
        // the same seed), so the interval is that of 6 probes — about √8 ≈ 2.8 times as wide as the 48 probes taken independently.
        double[] values = [1, 1, 0, 0, -1, 0];
        var differences = Enumerable.Range(0, 48).Select(i => values[i / 8]).ToArray();

        var independent = PairedBootstrap.Interval([48], MeanOf(differences), alpha: 0.05, resamples: 4000, seed: 3);
        var clustered = PairedBootstrap.Interval([48], MeanOf(differences), alpha: 0.05, resamples: 4000, seed: 3,
            clusters: [Enumerable.Range(0, 48).Select(i => i / 8).ToArray()]);
        var sixProbes = PairedBootstrap.Interval([6], MeanOf(values), alpha: 0.05, resamples: 4000, seed: 3);

        Assert.Equal(1.0 / 6, clustered.Estimate, 12);
        Assert.Equal(sixProbes.Lower, clustered.Lower, 12);
        Assert.Equal(sixProbes.Upper, clustered.Upper, 12);
        Assert.InRange((clustered.Upper - clustered.Lower) / (independent.Upper - independent.Lower), 2.3, 3.3);
    }

    [Fact]
    public void Only_the_clustered_stratum_is_resampled_by_cluster()
    {
        // Stratum 0 independent, stratum 1 clustered; the draws of stratum 0 come first each time, so its part is unchanged
        // when stratum 1's clusters are all of one.
        var zeros = new double[20];
        Func<IReadOnlyList<int[]>, double> both = draw => draw[0].Average(i => (double)(i % 2)) + draw[1].Average(i => zeros[i]);

        var plain = PairedBootstrap.Interval([30, 20], both, 0.05, 500, seed: 5);
        var ofOne = PairedBootstrap.Interval([30, 20], both, 0.05, 500, seed: 5, clusters: [null, Enumerable.Range(0, 20).ToArray()]);

        Assert.Equal(plain, ofOne);
        Assert.Throws<ArgumentException>(() => PairedBootstrap.Interval([30, 20], both, 0.05, 500, seed: 5, clusters: [null, new int[19]]));
        Assert.Throws<ArgumentException>(() => PairedBootstrap.Interval([30, 20], both, 0.05, 500, seed: 5, clusters: [null]));
    }
}
