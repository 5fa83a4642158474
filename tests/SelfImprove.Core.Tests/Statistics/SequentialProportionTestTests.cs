using SelfImprove.Core.Statistics;

namespace SelfImprove.Core.Tests.Statistics;

public sealed class SequentialProportionTestTests
{
    [Fact]
    public void The_radius_solves_the_one_sided_normal_mixture_boundary()
    {
        // By hand: V = 1e-4, τ = 0.02, α = 0.05: u²/2 + ln Φ(u) = ln 20 − ln 2 + ½ ln 5 = 3.107304 gives u = 2.49544,
        // r = u · √(V (1 + V/τ²)) = 2.49544 · 0.0111803 = 0.027900.
        Assert.Equal(0.027900, SequentialProportionTest.Radius(1e-4, 0.05, 0.02), 5);
    }

    [Fact]
    public void The_bounds_on_a_difference_use_the_smoothed_plug_in_variance_of_both_arms()
    {
        // By hand: p̃ = 901/1002 and 2401/3002; V = 9.0638e-5 + 5.3373e-5 = 1.44011e-4; τ²/V = 6.2495;
        // u²/2 + ln Φ(u) = 2.302585 + ½ ln 7.2495 gives u = 2.56835; r = u · √(V · 1.16001) = 0.033196.
        var bounds = SequentialProportionTest.Difference(new BernoulliCount(1000, 900), new BernoulliCount(3000, 2400), 0.05, 0.03);

        Assert.Equal(0.1, bounds.Estimate, 12);
        Assert.Equal(1.44011e-4, bounds.Variance, 8);
        Assert.Equal(0.1 - 0.033196, bounds.Lower, 4);
        Assert.Equal(0.1 + 0.033196, bounds.Upper, 4);
    }

    [Fact]
    public void The_bounds_on_one_proportion_are_centred_on_its_rate()
    {
        var bounds = SequentialProportionTest.Single(new BernoulliCount(400, 300), 0.05, 0.03);

        Assert.Equal(0.75, bounds.Estimate, 12);
        Assert.Equal(bounds.Estimate - bounds.Lower, bounds.Upper - bounds.Estimate, 12);
        Assert.InRange(bounds.Lower, 0.65, 0.72);
    }

    [Fact]
    public void More_data_narrows_the_bounds_and_a_smaller_alpha_widens_them()
    {
        var few = SequentialProportionTest.Radius(new BernoulliCount(100, 85).Variance, 0.05, 0.03);
        var many = SequentialProportionTest.Radius(new BernoulliCount(10_000, 8_500).Variance, 0.05, 0.03);
        var stricter = SequentialProportionTest.Radius(new BernoulliCount(10_000, 8_500).Variance, 0.01, 0.03);

        Assert.True(many < few / 5, $"{many} vs {few}");
        Assert.True(stricter > many, $"{stricter} vs {many}");
    }

    [Fact]
    public void Looking_after_every_answer_keeps_the_error_at_most_alpha()
    {
        // 400 A/A experiments of 3,000 answers per arm at 85 %, looked at after every 25: how often does the lower bound
        // of the difference ever exceed 0 (the true difference)? At most alpha = 5 %, up to simulation noise.
        var random = new Random(7);
        var crossed = 0;
        for (var experiment = 0; experiment < 400; experiment++)
        {
            int a = 0, b = 0;
            for (var n = 1; n <= 3_000; n++)
            {
                a += random.NextDouble() < 0.85 ? 1 : 0;
                b += random.NextDouble() < 0.85 ? 1 : 0;
                if (n % 25 != 0 || n < 50) continue;
                if (SequentialProportionTest.Difference(new BernoulliCount(n, a), new BernoulliCount(n, b), 0.05, 0.03).Lower > 0)
                {
                    crossed++;
                    break;
                }
            }
        }

        Assert.InRange(crossed, 0, 32);
    }

    [Fact]
    public void The_fixed_horizon_sample_size_is_the_textbook_formula()
    {
        // By hand: (1.959964 + 0.841621)² · 0.85 · 0.15 · (1/0.5 + 1/0.5) / 0.02² = 7.848879 · 1275 = 10,007.3 → 10,008.
        Assert.Equal(10_008, SequentialProportionTest.FixedHorizonSamples(0.85, 0.02, 0.5, 0.05, 0.8));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(10, 11)]
    [InlineData(10, -1)]
    public void An_impossible_count_is_refused(int trials, int successes)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BernoulliCount(trials, successes));
    }

    [Theory]
    [InlineData(0, 0.05, 0.03)]
    [InlineData(1e-4, 0.5, 0.03)]
    [InlineData(1e-4, 0, 0.03)]
    [InlineData(1e-4, 0.05, 0)]
    public void Parameters_out_of_range_are_refused(double variance, double alpha, double tau)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SequentialProportionTest.Radius(variance, alpha, tau));
    }
}
