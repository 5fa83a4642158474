using SelfImprove.Core.Planning.Selection;

namespace SelfImprove.Core.Tests.Planning.Selection;

public sealed class UncertainClusterSelectionTests
{
    // Two kinds of unsure request, two near-twins of each; two confident requests far away.
    private static readonly double[] Margins = [0.01, 0.02, 0.03, 0.04, 0.9, 0.95];
    private static readonly float[][] Embeddings = [[1, 0.1f], [1, -0.1f], [0.1f, 1], [-0.1f, 1], [-1, 0], [-1, 0.1f]];

    [Fact]
    public void Takes_one_request_of_each_kind_among_the_unsure_where_margin_takes_the_twins()
    {
        for (var seed = 1; seed <= 20; seed++)
            // The surer twin weighs less (weight 1 − margin), so each cluster's centre lies nearer the less sure one.
            Assert.Equal([0, 2], UncertainClusterSelection.Select(Margins, Embeddings, budget: 2, poolFactor: 2, seed));
    }

    [Fact]
    public void Never_looks_past_the_uncertain_pool_and_with_a_pool_of_one_per_pick_is_margin_sampling()
    {
        Assert.DoesNotContain(UncertainClusterSelection.Select(Margins, Embeddings, budget: 2, poolFactor: 2, seed: 1), i => i >= 4);
        Assert.Equal([0, 1], UncertainClusterSelection.Select(Margins, Embeddings, budget: 2, poolFactor: 1, seed: 1));
    }

    [Fact]
    public void Refuses_a_pool_factor_below_one_and_margins_that_do_not_match_the_requests()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => UncertainClusterSelection.Select(Margins, Embeddings, 2, 0, 1));
        var error = Assert.Throws<ArgumentException>(() => UncertainClusterSelection.Select([0.1], Embeddings, 2, 2, 1));
        Assert.Contains("1 margins for 6 embeddings", error.Message);
    }
}
