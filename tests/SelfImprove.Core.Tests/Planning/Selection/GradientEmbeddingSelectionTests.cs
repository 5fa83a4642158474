using SelfImprove.Core.Planning.Selection;

namespace SelfImprove.Core.Tests.Planning.Selection;

public sealed class GradientEmbeddingSelectionTests
{
    [Fact]
    public void Takes_the_largest_gradient_first_then_a_different_request_rather_than_its_twin()
    {
        // Requests 0 and 1 are the same unsure request (margin would take both); request 2 is a little surer but elsewhere.
        float[][] probabilities = [[0.5f, 0.5f], [0.5f, 0.5f], [0.55f, 0.45f]];
        float[][] embeddings = [[1, 0], [1, 0], [0, 1]];

        for (var seed = 1; seed <= 20; seed++)
            Assert.Equal([0, 2], GradientEmbeddingSelection.Select(probabilities, embeddings, budget: 2, seed));
    }

    [Fact]
    public void Picks_as_k_means_plus_plus_over_the_materialised_outer_products_does()
    {
        var random = new Random(3);
        var (n, classes, dimensions) = (60, 5, 8);
        var probabilities = Enumerable.Range(0, n).Select(_ => Softmax(Enumerable.Range(0, classes).Select(_ => 3 * random.NextDouble()).ToArray())).ToArray();
        var embeddings = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, dimensions).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray()).ToArray();

        var expected = BruteForce(probabilities, embeddings, budget: 10, seed: 11);

        Assert.Equal(expected, GradientEmbeddingSelection.Select(probabilities, embeddings, budget: 10, seed: 11));
    }

    [Fact]
    public void Is_the_same_for_the_same_seed_and_takes_everything_when_the_budget_covers_it()
    {
        float[][] probabilities = [[0.6f, 0.4f], [0.3f, 0.7f], [0.5f, 0.5f], [0.9f, 0.1f]];
        float[][] embeddings = [[1, 0], [0, 1], [1, 1], [-1, 0]];

        Assert.Equal(GradientEmbeddingSelection.Select(probabilities, embeddings, 3, 5), GradientEmbeddingSelection.Select(probabilities, embeddings, 3, 5));
        Assert.Equal([0, 1, 2, 3], GradientEmbeddingSelection.Select(probabilities, embeddings, 9, 5));
        Assert.Empty(GradientEmbeddingSelection.Select(probabilities, embeddings, 0, 5));
    }

    [Fact]
    public void Refuses_vectors_of_different_lengths_naming_the_request()
    {
        float[][] probabilities = [[0.5f, 0.5f], [0.5f, 0.5f]];
        float[][] embeddings = [[1, 0], [1, 0, 0]];

        var error = Assert.Throws<ArgumentException>(() => GradientEmbeddingSelection.Select(probabilities, embeddings, 1, 1));
        Assert.Contains("Embedding 1 has 3 dimensions", error.Message);
        Assert.Throws<ArgumentException>(() => GradientEmbeddingSelection.Select([[1f, 0f]], embeddings, 1, 1));
    }

    private static float[] Softmax(double[] logits)
    {
        var exp = logits.Select(Math.Exp).ToArray();
        return exp.Select(e => (float)(e / exp.Sum())).ToArray();
    }

    /// <summary>BADGE as written in the paper: build g = (p − onehot(ŷ)) ⊗ x, seed k-means++ with the largest, draw ∝ D².</summary>
    private static int[] BruteForce(float[][] probabilities, float[][] embeddings, int budget, int seed)
    {
        var g = probabilities.Select((p, i) =>
        {
            var top = Array.IndexOf(p, p.Max());
            return p.SelectMany((pc, c) => embeddings[i].Select(x => (double)((pc - (c == top ? 1 : 0)) * x))).ToArray();
        }).ToArray();
        double Distance(int a, int b) => g[a].Zip(g[b], (x, y) => (x - y) * (x - y)).Sum();
        var random = new Random(seed);
        var chosen = new List<int> { Enumerable.Range(0, g.Length).MaxBy(i => g[i].Sum(v => v * v)) };
        while (chosen.Count < budget)
        {
            var d2 = Enumerable.Range(0, g.Length).Select(i => chosen.Contains(i) ? 0 : chosen.Min(c => Distance(i, c))).ToArray();
            var target = random.NextDouble() * d2.Sum();
            var next = 0;
            for (; next < d2.Length; next++)
            {
                if (d2[next] <= 0) continue;
                target -= d2[next];
                if (target < 0) break;
            }
            chosen.Add(next);
        }
        return chosen.ToArray();
    }
}
