namespace SelfImprove.Core.Planning.Selection;

/// <summary>
/// Weighted k-means in squared Euclidean distance: k-means++ seeding (Arthur &amp; Vassilvitskii, "k-means++: the
/// advantages of careful seeding", SODA 2007), each next centre drawn with probability ∝ weight · D², then Lloyd
/// iterations (Lloyd, "Least squares quantization in PCM", IEEE Trans. Inf. Theory 1982). Deterministic for a seed:
/// draws come from one seeded <see cref="Random"/>, and the parallel loops only fill per-point slots.
/// </summary>
public static class KMeans
{
    /// <summary>The fitted clustering.</summary>
    /// <param name="Centres">Up to k centres (fewer when the points have fewer distinct positions).</param>
    /// <param name="Assignment">Per point, the index of its nearest centre.</param>
    public sealed record Clustering(float[][] Centres, int[] Assignment);

    /// <summary>Indices of up to <paramref name="k"/> points chosen by weighted k-means++ seeding, in draw order; the first is drawn ∝ weight.</summary>
    public static int[] Seed(IReadOnlyList<float[]> points, IReadOnlyList<double>? weights, int k, Random random)
    {
        var n = points.Count;
        if (k <= 0 || n == 0) return [];
        var minD2 = new double[n];
        Array.Fill(minD2, 1.0);
        var chosen = new List<int>(Math.Min(k, n));
        while (chosen.Count < Math.Min(k, n))
        {
            var next = Draw(minD2, weights, random);
            if (next < 0) break; // every point sits on a centre: no more distinct positions
            chosen.Add(next);
            var centre = points[next];
            Parallel.For(0, n, i =>
            {
                var d = (double)VectorMath.SquaredDistance(points[i], centre);
                if (chosen.Count == 1 || d < minD2[i]) minD2[i] = d;
            });
            minD2[next] = 0;
        }
        return chosen.ToArray();
    }

    /// <summary>k-means++ seeding, then at most <paramref name="iterations"/> Lloyd steps (fewer once no point changes cluster).</summary>
    public static Clustering Fit(IReadOnlyList<float[]> points, IReadOnlyList<double>? weights, int k, int iterations, Random random)
    {
        var seeds = Seed(points, weights, k, random);
        var centres = seeds.Select(i => (float[])points[i].Clone()).ToArray();
        var assignment = Assign(points, centres);
        for (var step = 0; step < iterations && centres.Length > 0; step++)
        {
            Recentre(points, weights, assignment, centres);
            var next = Assign(points, centres);
            var changed = !next.AsSpan().SequenceEqual(assignment);
            assignment = next;
            if (!changed) break;
        }
        return new Clustering(centres, assignment);
    }

    /// <summary>Per point, the index of its nearest centre (ties to the lower index).</summary>
    public static int[] Assign(IReadOnlyList<float[]> points, float[][] centres)
    {
        var assignment = new int[points.Count];
        if (centres.Length == 0) return assignment;
        Parallel.For(0, points.Count, i =>
        {
            var (best, bestD) = (0, float.PositiveInfinity);
            for (var c = 0; c < centres.Length; c++)
            {
                var d = VectorMath.SquaredDistance(points[i], centres[c]);
                if (d < bestD) (best, bestD) = (c, d);
            }
            assignment[i] = best;
        });
        return assignment;
    }

    /// <summary>Moves each centre to the weighted mean of its points; a centre without points stays where it is.</summary>
    private static void Recentre(IReadOnlyList<float[]> points, IReadOnlyList<double>? weights, int[] assignment, float[][] centres)
    {
        var dimension = centres[0].Length;
        var sums = new double[centres.Length][];
        for (var c = 0; c < centres.Length; c++) sums[c] = new double[dimension];
        var mass = new double[centres.Length];
        for (var i = 0; i < points.Count; i++)
        {
            var w = weights?[i] ?? 1.0;
            var sum = sums[assignment[i]];
            var point = points[i];
            for (var d = 0; d < dimension; d++) sum[d] += w * point[d];
            mass[assignment[i]] += w;
        }
        for (var c = 0; c < centres.Length; c++)
        {
            if (mass[c] <= 0) continue;
            for (var d = 0; d < dimension; d++) centres[c][d] = (float)(sums[c][d] / mass[c]);
        }
    }

    /// <summary>Index drawn with probability ∝ weight · score; −1 when every score is 0.</summary>
    internal static int Draw(double[] scores, IReadOnlyList<double>? weights, Random random)
    {
        var total = 0.0;
        for (var i = 0; i < scores.Length; i++) total += scores[i] * (weights?[i] ?? 1.0);
        if (!(total > 0)) return -1;
        var target = random.NextDouble() * total;
        var last = -1;
        for (var i = 0; i < scores.Length; i++)
        {
            var s = scores[i] * (weights?[i] ?? 1.0);
            if (s <= 0) continue;
            last = i;
            target -= s;
            if (target < 0) return i;
        }
        return last;
    }
}
