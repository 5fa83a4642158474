using SelfImprove.Core.Statistics;

namespace SelfImprove.Core.Tests.Statistics;

public sealed class PairedDifferenceTests
{
    [Fact]
    public void The_paired_bounds_use_the_variance_of_the_discordant_pairs()
    {
        // By hand: 1,000 pairs, 40 only the candidate got right, 20 only the serving version: d = 0.02; smoothed
        // discordant share 61/1002 = 0.0608782; V = (0.0608782 − 0.0004)/1000 = 6.04782e-5; the radius is Radius(V).
        var bounds = SequentialProportionTest.PairedDifference(new PairedCount(1000, 40, 20), 0.05, 0.03);

        Assert.Equal(0.02, bounds.Estimate, 12);
        Assert.Equal(6.04782e-5, bounds.Variance, 9);
        var radius = SequentialProportionTest.Radius(6.04782e-5, 0.05, 0.03);
        Assert.Equal(0.02 - radius, bounds.Lower, 6);
        Assert.Equal(0.02 + radius, bounds.Upper, 6);
    }

    [Fact]
    public void Pairs_that_mostly_agree_give_far_narrower_bounds_than_the_same_accuracies_on_separate_requests()
    {
        // Both scored on the same 2,000 requests: 87 % and 85 % right, disagreeing on 6 % of them.
        var paired = SequentialProportionTest.PairedDifference(new PairedCount(2000, 80, 40), 0.05, 0.03);
        // The same accuracies, each arm on its own 1,000 requests.
        var unpaired = SequentialProportionTest.Difference(new BernoulliCount(1000, 870), new BernoulliCount(1000, 850), 0.05, 0.03);

        Assert.Equal(unpaired.Estimate, paired.Estimate, 12);
        Assert.True(paired.Upper - paired.Lower < (unpaired.Upper - unpaired.Lower) / 2,
            $"paired [{paired.Lower}, {paired.Upper}] vs unpaired [{unpaired.Lower}, {unpaired.Upper}]");
        Assert.True(paired.Lower > 0, "the paired test already shows the candidate better");
        Assert.True(unpaired.Lower < 0, "the unpaired one does not yet");
    }

    [Fact]
    public void Identical_answers_have_a_small_but_positive_variance()
    {
        var bounds = SequentialProportionTest.PairedDifference(new PairedCount(500, 0, 0), 0.05, 0.03);

        Assert.Equal(0, bounds.Estimate);
        Assert.True(bounds.Variance > 0);
        Assert.True(bounds.Lower > -0.01, $"an identical copy is within a 1-point margin: {bounds.Lower}");
    }

    [Fact]
    public void Looking_after_every_pair_keeps_the_error_at_most_alpha()
    {
        // 400 experiments of two equally good versions (85 %) that disagree on 10 % of 3,000 requests, looked at after
        // every 25 pairs: how often does the lower bound ever exceed 0? At most alpha = 5 %, up to simulation noise.
        var random = new Random(11);
        var crossed = 0;
        for (var experiment = 0; experiment < 400; experiment++)
        {
            int onlyFirst = 0, onlySecond = 0;
            for (var n = 1; n <= 3_000; n++)
            {
                var u = random.NextDouble();
                if (u < 0.05) onlyFirst++;
                else if (u < 0.10) onlySecond++;
                if (n % 25 != 0) continue;
                if (SequentialProportionTest.PairedDifference(new PairedCount(n, onlyFirst, onlySecond), 0.05, 0.03).Lower > 0)
                {
                    crossed++;
                    break;
                }
            }
        }
        Assert.InRange(crossed, 0, 400 * 0.05 + 12);
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(10, 6, 5)]
    [InlineData(10, -1, 0)]
    public void Impossible_counts_are_refused(int pairs, int onlyFirst, int onlySecond)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PairedCount(pairs, onlyFirst, onlySecond));
    }
}
