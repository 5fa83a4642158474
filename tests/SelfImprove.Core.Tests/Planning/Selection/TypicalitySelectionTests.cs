using SelfImprove.Core.Planning.Selection;

namespace SelfImprove.Core.Tests.Planning.Selection;

public sealed class TypicalitySelectionTests
{
    [Fact]
    public void Takes_the_centre_of_each_dense_group_largest_group_first_and_never_the_outlier()
    {
        // Group A: its centre (index 4) among 8 neighbours, and an outlier (index 9) that still belongs to it.
        // Group B: 5 requests around its centre (index 12).
        float[][] embeddings =
        [
            [1.1f, 0], [0.9f, 0], [1, 0.1f], [1, -0.1f], [1, 0], [1.07f, 0.07f], [0.93f, -0.07f], [1.07f, -0.07f], [0.93f, 0.07f], [1.6f, 0],
            [0.1f, 1], [-0.1f, 1], [0, 1], [0, 1.1f], [0, 0.9f],
        ];

        for (var seed = 1; seed <= 20; seed++)
            Assert.Equal([4, 12], TypicalitySelection.Select(embeddings, budget: 2, seed));
    }

    [Fact]
    public void Goes_round_the_clusters_again_when_the_budget_exceeds_them()
    {
        // Two points in one place, one elsewhere: at most two distinct clusters, so the third pick is a second round.
        float[][] embeddings = [[0, 0], [0, 0], [5, 5], [0, 0]];

        var picked = TypicalitySelection.Select(embeddings, budget: 3, seed: 1);

        Assert.Equal(3, picked.Distinct().Count());
        Assert.Contains(2, picked);
    }
}
