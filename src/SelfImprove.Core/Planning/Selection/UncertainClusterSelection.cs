namespace SelfImprove.Core.Planning.Selection;

/// <summary>
/// Diversity over uncertainty in embedding space (Zhdanov, "Diverse mini-batch Active Learning", arXiv:1901.05954,
/// 2019): keep the <c>poolFactor × budget</c> least sure requests by top-two margin, cluster their embeddings into
/// <c>budget</c> clusters by k-means weighted by uncertainty (1 − margin), and take from each cluster the request
/// nearest its centre. The batch stays among the unsure requests but spreads over distinct kinds of request instead of
/// piling up near one decision boundary. Cost: O(poolFactor · budget² · dimensions) per Lloyd step, at most
/// <see cref="Iterations"/> steps, plus one pass over all requests for the margins.
/// </summary>
public static class UncertainClusterSelection
{
    /// <summary>Lloyd steps at most.</summary>
    public const int Iterations = 10;

    /// <summary>
    /// The uncertain pool's size per pick, chosen on the BANKING77 validation slice (docs/benchmarks.md).
    /// </summary>
    public const int DefaultPoolFactor = 10;

    /// <summary>Picks up to <paramref name="budget"/> requests; returns their indices, least sure first. Deterministic for a seed.</summary>
    /// <param name="margins">Per request, the top-two probability gap in [0,1].</param>
    /// <param name="embeddings">Per request, its embedding (one dimension for all).</param>
    /// <param name="budget">How many to pick.</param>
    /// <param name="poolFactor">The least sure <c>poolFactor × budget</c> requests are clustered (≥ 1; 1 is plain margin sampling).</param>
    /// <param name="seed">Seeds the k-means++ draws.</param>
    /// <exception cref="ArgumentException">The lists differ in length, or embeddings differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="budget"/> is negative or <paramref name="poolFactor"/> below 1.</exception>
    public static int[] Select(IReadOnlyList<double> margins, IReadOnlyList<float[]> embeddings, int budget, int poolFactor, int seed)
    {
        VectorMath.Check(null, embeddings, budget);
        ArgumentOutOfRangeException.ThrowIfLessThan(poolFactor, 1);
        if (margins.Count != embeddings.Count)
            throw new ArgumentException($"{margins.Count} margins for {embeddings.Count} embeddings: give one of each per request.", nameof(margins));
        var byMargin = VectorMath.ByMargin(margins);
        if (budget == 0) return [];
        var pool = byMargin.Take((int)Math.Min((long)budget * poolFactor, byMargin.Length)).ToArray();
        if (pool.Length <= budget) return pool;

        var points = pool.Select(i => embeddings[i]).ToArray();
        var weights = pool.Select(i => Math.Max(1e-6, 1 - margins[i])).ToArray();
        var clustering = KMeans.Fit(points, weights, budget, Iterations, new Random(seed));
        var chosen = Medoids(points, clustering).Select(p => pool[p]).ToList();
        // Fewer distinct clusters than picks: fill with the least sure requests not yet chosen.
        if (chosen.Count < budget)
            chosen.AddRange(pool.Except(chosen).Take(budget - chosen.Count));
        return chosen.OrderBy(i => margins[i]).ThenBy(i => i).ToArray();
    }

    /// <summary>Per non-empty cluster, the index of its point nearest the centre (ties to the lower index).</summary>
    internal static IEnumerable<int> Medoids(IReadOnlyList<float[]> points, KMeans.Clustering clustering)
    {
        var best = new int[clustering.Centres.Length];
        var bestD = new float[clustering.Centres.Length];
        Array.Fill(best, -1);
        Array.Fill(bestD, float.PositiveInfinity);
        for (var i = 0; i < points.Count; i++)
        {
            var c = clustering.Assignment[i];
            var d = VectorMath.SquaredDistance(points[i], clustering.Centres[c]);
            if (d < bestD[c]) (best[c], bestD[c]) = (i, d);
        }
        return best.Where(i => i >= 0);
    }
}
