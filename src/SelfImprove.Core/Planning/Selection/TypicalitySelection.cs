namespace SelfImprove.Core.Planning.Selection;

/// <summary>
/// TypiClust (Hacohen, Dekel, Weinshall, "Active Learning on a Budget: Opposite Strategies Suit High and Low
/// Budgets", ICML 2022): a cold-start rule that reads no model output. Cluster the requests' embeddings into
/// <c>budget</c> clusters by k-means and take from each cluster its most typical request, typicality being the inverse
/// of the mean distance to its <see cref="Neighbours"/> nearest neighbours in the cluster; larger clusters first. With
/// few labels, typical and diverse examples teach more than uncertain ones (which are often outliers).
/// Unlike the paper, the labelled set's embeddings are not clustered with the requests (the planner is not given them),
/// so no cluster counts as covered: this is the paper's first round. For speed, clustering and typicality use a seeded
/// sample of at most <see cref="MaxSample"/> requests, and typicality at most <see cref="MaxPerCluster"/> members per cluster.
/// </summary>
public static class TypicalitySelection
{
    /// <summary>k of the k-nearest-neighbour density, as in the paper.</summary>
    public const int Neighbours = 20;

    /// <summary>Most requests clustered; above it a seeded sample stands for the rest.</summary>
    public const int MaxSample = 5000;

    /// <summary>Most members of one cluster whose typicality is computed; above it a seeded sample.</summary>
    public const int MaxPerCluster = 256;

    /// <summary>Lloyd steps at most.</summary>
    public const int Iterations = 10;

    /// <summary>Picks up to <paramref name="budget"/> requests; returns their indices, one per cluster, largest cluster first. Deterministic for a seed.</summary>
    /// <param name="embeddings">Per request, its embedding (one dimension for all).</param>
    /// <param name="budget">How many to pick.</param>
    /// <param name="seed">Seeds the sample and the k-means++ draws.</param>
    /// <exception cref="ArgumentException">Embeddings differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="budget"/> is negative.</exception>
    public static int[] Select(IReadOnlyList<float[]> embeddings, int budget, int seed)
    {
        VectorMath.Check(null, embeddings, budget);
        var n = embeddings.Count;
        if (budget == 0 || n == 0) return [];
        if (budget >= n) return Enumerable.Range(0, n).ToArray();
        var random = new Random(seed);
        var sample = n <= MaxSample ? Enumerable.Range(0, n).ToArray() : Sample(n, MaxSample, random);
        var points = sample.Select(i => embeddings[i]).ToArray();
        var clustering = KMeans.Fit(points, null, budget, Iterations, random);

        var clusters = Enumerable.Range(0, points.Length).GroupBy(i => clustering.Assignment[i])
            .Select(g => g.ToArray())
            .OrderByDescending(members => members.Length).ThenBy(members => members[0])
            .ToArray();
        var ranked = clusters.Select(members => ByTypicality(points, members, random)).ToArray();
        // One pick per cluster, largest first; with fewer clusters than picks, go round again for the next most typical.
        var chosen = new List<int>(budget);
        for (var depth = 0; chosen.Count < budget; depth++)
        {
            var added = false;
            foreach (var members in ranked)
            {
                if (depth >= members.Length) continue;
                chosen.Add(sample[members[depth]]);
                added = true;
                if (chosen.Count == budget) break;
            }
            if (!added) break;
        }
        return chosen.ToArray();
    }

    /// <summary>A cluster's members (indices into <paramref name="points"/>), most typical first.</summary>
    internal static int[] ByTypicality(IReadOnlyList<float[]> points, int[] members, Random random)
    {
        if (members.Length <= 2) return members;
        var scored = members.Length <= MaxPerCluster ? members : Sample(members.Length, MaxPerCluster, random).Select(i => members[i]).ToArray();
        var k = Math.Min(Neighbours, scored.Length - 1);
        var typicality = new double[scored.Length];
        Parallel.For(0, scored.Length, a =>
        {
            var distances = new float[scored.Length - 1];
            var j = 0;
            for (var b = 0; b < scored.Length; b++)
                if (b != a) distances[j++] = MathF.Sqrt(VectorMath.SquaredDistance(points[scored[a]], points[scored[b]]));
            Array.Sort(distances);
            var mean = 0.0;
            for (var t = 0; t < k; t++) mean += distances[t];
            typicality[a] = 1.0 / (mean / k + 1e-12);
        });
        var order = Enumerable.Range(0, scored.Length).OrderByDescending(a => typicality[a]).ThenBy(a => scored[a]).Select(a => scored[a]).ToList();
        // Members outside the scored sample come after, in index order.
        order.AddRange(members.Except(order));
        return order.ToArray();
    }

    /// <summary><paramref name="count"/> distinct indices of 0..n−1, sorted, by a partial Fisher–Yates shuffle.</summary>
    private static int[] Sample(int n, int count, Random random)
    {
        var all = Enumerable.Range(0, n).ToArray();
        for (var i = 0; i < count; i++)
        {
            var j = random.Next(i, n);
            (all[i], all[j]) = (all[j], all[i]);
        }
        return all.Take(count).Order().ToArray();
    }
}
